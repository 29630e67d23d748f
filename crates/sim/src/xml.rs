//! A namespace-blind XML tree for SOAP envelopes and metadata files.
//!
//! Real clients send both prefixed (`met:createMetadata`) and default-namespace envelopes, and
//! `xsi:type` with or without a prefix; matching on local names accepts all of them alike.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde::{Deserialize, Serialize};

/// One element: local name, attributes (local names), text and children.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct XmlNode {
    pub(crate) name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) attrs: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) children: Vec<XmlNode>,
}

fn local(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    match name.rsplit_once(':') {
        Some((_, local)) => local.to_owned(),
        None => name.into_owned(),
    }
}

/// Parses a document into its root element.
pub(crate) fn parse(text: &str) -> Result<XmlNode, String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<XmlNode> = vec![XmlNode::default()];
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let mut node = XmlNode {
                    name: local(start.name().as_ref()),
                    ..XmlNode::default()
                };
                for attr in start.attributes() {
                    let attr = attr.map_err(|e| e.to_string())?;
                    let value = attr.unescape_value().map_err(|e| e.to_string())?;
                    node.attrs
                        .push((local(attr.key.as_ref()), value.into_owned()));
                }
                stack.push(node);
                if stack.len() > 256 {
                    return Err("the document is nested too deeply".into());
                }
                if matches!(event, Event::Empty(_)) {
                    close(&mut stack)?;
                }
            }
            Event::End(_) => close(&mut stack)?,
            Event::Text(text) => {
                let decoded = text.decode().map_err(|e| e.to_string())?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&decoded);
                }
            }
            Event::CData(data) => {
                let decoded = data.decode().map_err(|e| e.to_string())?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&decoded);
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = reference.decode().map_err(|e| e.to_string())?;
                        match name.as_ref() {
                            "amp" => "&".to_owned(),
                            "lt" => "<".to_owned(),
                            "gt" => ">".to_owned(),
                            "quot" => "\"".to_owned(),
                            "apos" => "'".to_owned(),
                            other => return Err(format!("unknown entity `{other}`")),
                        }
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut document = stack.pop().ok_or("unbalanced document")?;
    if !stack.is_empty() {
        return Err("premature end of file".into());
    }
    document
        .children
        .pop()
        .ok_or_else(|| "premature end of file".to_owned())
}

fn close(stack: &mut Vec<XmlNode>) -> Result<(), String> {
    let mut node = stack.pop().ok_or("unbalanced end tag")?;
    if !node.children.is_empty() {
        node.text = node.text.trim().to_owned();
    }
    let parent = stack.last_mut().ok_or("unbalanced end tag")?;
    parent.children.push(node);
    Ok(())
}

impl XmlNode {
    /// A leaf element with text.
    pub(crate) fn leaf(name: &str, text: impl Into<String>) -> Self {
        XmlNode {
            name: name.to_owned(),
            text: text.into(),
            ..XmlNode::default()
        }
    }

    /// An element with children.
    pub(crate) fn branch(name: &str, children: Vec<XmlNode>) -> Self {
        XmlNode {
            name: name.to_owned(),
            children,
            ..XmlNode::default()
        }
    }

    pub(crate) fn child(&self, name: &str) -> Option<&XmlNode> {
        self.children.iter().find(|c| c.name == name)
    }

    pub(crate) fn child_mut(&mut self, name: &str) -> Option<&mut XmlNode> {
        self.children.iter_mut().find(|c| c.name == name)
    }

    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a XmlNode> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Trimmed text of a direct child.
    pub(crate) fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// Trimmed text at a path of child names.
    pub(crate) fn path_text(&self, path: &[&str]) -> Option<&str> {
        let mut node = self;
        for name in path {
            node = node.child(name)?;
        }
        Some(node.text.trim())
    }

    pub(crate) fn bool_of(&self, name: &str) -> Option<bool> {
        self.text_of(name).map(|t| t.eq_ignore_ascii_case("true"))
    }

    /// `xsi:type` without any prefix.
    pub(crate) fn xsi_type(&self) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == "type")
            .map(|(_, v)| match v.rsplit_once(':') {
                Some((_, local)) => local,
                None => v.as_str(),
            })
    }

    /// Sets (or adds) a direct child's text.
    pub(crate) fn set_text(&mut self, name: &str, text: &str) {
        match self.child_mut(name) {
            Some(child) => child.text = text.to_owned(),
            None => self.children.push(XmlNode::leaf(name, text)),
        }
    }

    /// Writes the element (without attributes) into `out`.
    pub(crate) fn write(&self, out: &mut String) {
        self.write_with(out, None);
    }

    /// Writes the element with an `xsi:type` attribute.
    pub(crate) fn write_typed(&self, out: &mut String, name: &str, xsi_type: &str) {
        let renamed = XmlNode {
            name: name.to_owned(),
            ..self.clone()
        };
        renamed.write_with(out, Some(xsi_type));
    }

    fn write_with(&self, out: &mut String, xsi_type: Option<&str>) {
        out.push('<');
        out.push_str(&self.name);
        if let Some(kind) = xsi_type {
            out.push_str(" xsi:type=\"");
            out.push_str(&escape(kind));
            out.push('"');
        }
        if self.children.is_empty() && self.text.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        if self.children.is_empty() {
            out.push_str(&escape(&self.text));
        }
        for child in &self.children {
            child.write(out);
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

/// Escapes text for element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prefixed_and_default_namespaces_alike() {
        let a = parse(r#"<a:Env xmlns:a="x"><a:Body><b:op xmlns:b="y"><b:v>1 &amp; 2</b:v><b:e/></b:op></a:Body></a:Env>"#)
            .unwrap();
        let b = parse(r#"<Env><Body><op><v>1 &amp; 2</v><e/></op></Body></Env>"#).unwrap();
        assert_eq!(a.name, "Env");
        assert_eq!(a.path_text(&["Body", "op", "v"]), Some("1 & 2"));
        assert_eq!(b.path_text(&["Body", "op", "v"]), Some("1 & 2"));
        assert!(a.path_text(&["Body", "op", "e"]).is_some());
    }

    #[test]
    fn rejects_broken_documents() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
        assert!(parse("").is_err());
    }
}
