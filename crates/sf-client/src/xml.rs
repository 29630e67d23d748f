//! A tiny XML tree and writer for the Metadata API's SOAP envelopes.
//!
//! The Metadata API speaks a handful of fixed documents, so a small element tree (local
//! names only, namespaces dropped) is enough to read responses and faults, and a string
//! writer with escaping is enough to build requests and metadata files in the element order
//! the WSDL prescribes.

use quick_xml::Reader;
use quick_xml::escape::escape;
use quick_xml::events::Event;

use crate::error::XmlError;

/// Deeper documents than this are refused, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// An XML element with its local name, attributes, text and child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// The local name, without any namespace prefix.
    pub name: String,
    /// Attributes as (local name, unescaped value) pairs, in document order.
    pub attributes: Vec<(String, String)>,
    /// The concatenated, unescaped text directly inside this element.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// Parses a whole document and returns its root element.
    ///
    /// # Errors
    ///
    /// Returns an [`XmlError`] for malformed XML, unbalanced tags, a document without a root
    /// element or one nested deeper than 64 levels.
    pub fn parse(document: &str) -> Result<Element, XmlError> {
        let mut reader = Reader::from_str(document);
        let mut stack: Vec<Element> = vec![Element::default()];
        loop {
            let event = reader.read_event().map_err(|e| XmlError(e.to_string()))?;
            match event {
                Event::Start(start) => {
                    if stack.len() > MAX_DEPTH {
                        return Err(XmlError(format!("nested deeper than {MAX_DEPTH} levels")));
                    }
                    stack.push(element_from_start(&start)?);
                }
                Event::Empty(start) => {
                    let element = element_from_start(&start)?;
                    push_child(&mut stack, element)?;
                }
                Event::End(_) => {
                    let mut element = stack
                        .pop()
                        .ok_or_else(|| XmlError("unbalanced end tag".into()))?;
                    // Indentation between child elements is not content.
                    if !element.children.is_empty() && element.text.trim().is_empty() {
                        element.text.clear();
                    }
                    push_child(&mut stack, element)?;
                }
                Event::Text(text) => {
                    let text = text.decode().map_err(|e| XmlError(e.to_string()))?;
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&text);
                    }
                }
                Event::CData(data) => {
                    let text = data.decode().map_err(|e| XmlError(e.to_string()))?;
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&text);
                    }
                }
                Event::GeneralRef(reference) => {
                    let resolved = resolve_reference(&reference)?;
                    if let Some(top) = stack.last_mut() {
                        top.text.push(resolved);
                    }
                }
                Event::Eof => break,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
        if stack.len() != 1 {
            return Err(XmlError("the document ends inside an element".into()));
        }
        stack
            .pop()
            .and_then(|document| document.children.into_iter().next())
            .ok_or_else(|| XmlError("the document has no root element".into()))
    }

    /// The first child with the given local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with the given local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first descendant (depth first, including `self`) with the given local name.
    pub fn find(&self, name: &str) -> Option<&Element> {
        if self.name == name {
            return Some(self);
        }
        let mut pending: Vec<&Element> = self.children.iter().rev().collect();
        while let Some(element) = pending.pop() {
            if element.name == name {
                return Some(element);
            }
            pending.extend(element.children.iter().rev());
        }
        None
    }

    /// The trimmed text of the first child with the given name.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// The first child with the given name read as `true`/`false`.
    pub fn child_bool(&self, name: &str) -> Option<bool> {
        match self.child_text(name)? {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// The first child with the given name read as an unsigned number.
    pub fn child_u64(&self, name: &str) -> Option<u64> {
        self.child_text(name)?.parse().ok()
    }

    /// The texts of every child with the given name.
    pub fn child_texts(&self, name: &str) -> Vec<String> {
        self.children_named(name)
            .map(|c| c.text.trim().to_owned())
            .collect()
    }

    /// The value of the attribute with the given local name.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The `xsi:type` of the element without its namespace prefix.
    pub fn xsi_type(&self) -> Option<&str> {
        self.attribute("type")
            .map(|t| t.rsplit(':').next().unwrap_or(t))
    }

    /// Serialises the children (not the element's own tags) back to XML, without namespace
    /// prefixes.
    pub fn inner_xml(&self) -> String {
        let mut out = String::new();
        out.push_str(&escape(self.text.trim()));
        for child in &self.children {
            child.write(&mut out, 0);
        }
        out
    }

    fn write(&self, out: &mut String, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        out.push('<');
        out.push_str(&self.name);
        out.push('>');
        out.push_str(&escape(self.text.trim()));
        for child in &self.children {
            child.write(out, depth + 1);
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

fn element_from_start(start: &quick_xml::events::BytesStart<'_>) -> Result<Element, XmlError> {
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| XmlError(e.to_string()))?;
        let key = String::from_utf8_lossy(attribute.key.local_name().as_ref()).into_owned();
        let value = attribute
            .unescape_value()
            .map_err(|e| XmlError(e.to_string()))?;
        attributes.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        attributes,
        ..Element::default()
    })
}

fn push_child(stack: &mut [Element], element: Element) -> Result<(), XmlError> {
    let parent = stack
        .last_mut()
        .ok_or_else(|| XmlError("unbalanced end tag".into()))?;
    parent.children.push(element);
    Ok(())
}

fn resolve_reference(reference: &quick_xml::events::BytesRef<'_>) -> Result<char, XmlError> {
    if let Some(c) = reference
        .resolve_char_ref()
        .map_err(|e| XmlError(e.to_string()))?
    {
        return Ok(c);
    }
    let name = reference.decode().map_err(|e| XmlError(e.to_string()))?;
    match name.as_ref() {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        other => Err(XmlError(format!("unknown entity `&{other};`"))),
    }
}

/// Checks that a caller's fragment (a sequence of elements, as the inside of a metadata
/// record) is well formed.
pub(crate) fn check_fragment(fragment: &str) -> Result<(), XmlError> {
    Element::parse(&format!("<fragment>{fragment}</fragment>")).map(|_| ())
}

/// Builds XML text with escaping, in the order the caller writes it.
#[derive(Debug, Default)]
pub(crate) struct XmlWriter {
    out: String,
}

impl XmlWriter {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    pub(crate) fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    pub(crate) fn raw(&mut self, xml: &str) -> &mut Self {
        self.out.push_str(xml);
        self
    }

    pub(crate) fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.open(name);
        self.out.push_str(&escape(value));
        self.close(name)
    }

    pub(crate) fn optional(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.text(name, value);
        }
        self
    }

    pub(crate) fn flag(&mut self, name: &str, value: bool) -> &mut Self {
        self.text(name, if value { "true" } else { "false" })
    }

    pub(crate) fn optional_flag(&mut self, name: &str, value: Option<bool>) -> &mut Self {
        if let Some(value) = value {
            self.flag(name, value);
        }
        self
    }

    pub(crate) fn each<'a>(
        &mut self,
        name: &str,
        values: impl IntoIterator<Item = &'a String>,
    ) -> &mut Self {
        for value in values {
            self.text(name, value);
        }
        self
    }

    pub(crate) fn finish(&mut self) -> String {
        std::mem::take(&mut self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prefixed_elements_entities_and_attributes() {
        let root = Element::parse(
            r#"<?xml version="1.0"?><s:Envelope xmlns:s="x"><s:Body><a xsi:type="met:Foo">x &amp; y&#33;</a><b/></s:Body></s:Envelope>"#,
        )
        .unwrap();
        assert_eq!(root.name, "Envelope");
        let a = root.find("a").unwrap();
        assert_eq!(a.text, "x & y!");
        assert_eq!(a.xsi_type(), Some("Foo"));
        assert!(root.find("b").is_some());
        assert_eq!(
            root.child("Body").unwrap().inner_xml(),
            "<a>x &amp; y!</a><b></b>"
        );
    }

    #[test]
    fn refuses_broken_documents() {
        assert!(Element::parse("<a><b></a>").is_err());
        assert!(Element::parse("<a>").is_err());
        assert!(Element::parse("").is_err());
        assert!(Element::parse(&"<a>".repeat(100)).is_err());
        assert!(check_fragment("<label>x</label><oops>").is_err());
        assert!(check_fragment("<label>x</label>").is_ok());
    }
}
