//! SOAP envelopes for the Metadata API and the parsing of SOAP faults.
//!
//! Requests use the default-namespace style (every Metadata API element unprefixed), which
//! real clients and the simulated org both accept; responses are read by local name so that
//! either style parses.

use crate::error::SoapFault;
use crate::secret::AccessToken;
use crate::xml::{Element, XmlWriter};

/// The Metadata API namespace.
pub(crate) const METADATA_NS: &str = "http://soap.sforce.com/2006/04/metadata";

/// Wraps an operation element in an envelope with the session header.
pub(crate) fn envelope(token: &AccessToken, operation: &str) -> String {
    let mut writer = XmlWriter::new();
    writer
        .raw(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
        .raw(r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" "#)
        .raw(r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#)
        .raw(&format!(r#"xmlns="{METADATA_NS}">"#))
        .raw("<soapenv:Header>")
        .open("SessionHeader")
        .text("sessionId", token.expose())
        .close("SessionHeader")
        .raw("</soapenv:Header>")
        .raw("<soapenv:Body>")
        .raw(operation)
        .raw("</soapenv:Body></soapenv:Envelope>");
    writer.finish()
}

/// Reads a SOAP fault out of a response body, if it holds one.
pub(crate) fn parse_fault(body: &[u8]) -> Option<SoapFault> {
    let text = String::from_utf8_lossy(body);
    let root = Element::parse(&text).ok()?;
    let fault = root.find("Fault")?;
    Some(SoapFault {
        code: fault.child_text("faultcode").unwrap_or_default().to_owned(),
        message: fault
            .child_text("faultstring")
            .unwrap_or_default()
            .to_owned(),
        exception_code: fault
            .child("detail")
            .and_then(|detail| detail.find("exceptionCode"))
            .map(|code| code.text.trim().to_owned()),
    })
}

/// The `result` elements of an operation's response, e.g. inside
/// `createMetadataResponse`.
pub(crate) fn results<'a>(root: &'a Element, response: &str) -> Vec<&'a Element> {
    root.find(response)
        .map(|r| r.children_named("result").collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_escapes_the_session_id() {
        let xml = envelope(&AccessToken::new("00D!a<b"), "<describeMetadata/>");
        assert!(xml.contains("<sessionId>00D!a&lt;b</sessionId>"));
        let root = Element::parse(&xml).unwrap();
        assert!(root.find("describeMetadata").is_some());
    }
}
