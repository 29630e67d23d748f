//! Salesforce's error bodies: REST arrays with `errorCode`, SaveResult entries with
//! `statusCode`, and the HTTP status that goes with them.

use serde_json::{Value, json};

use crate::settings::ErrorTemplate;

/// One Salesforce error.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SfError {
    pub(crate) code: String,
    pub(crate) message: String,
    /// `None` omits `fields` in REST bodies (auth and query errors have none).
    pub(crate) fields: Option<Vec<String>>,
}

impl SfError {
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        SfError {
            code: code.to_owned(),
            message: message.into(),
            fields: None,
        }
    }

    /// A DML error, which always carries `fields`.
    pub(crate) fn dml(code: &str, message: impl Into<String>, fields: &[&str]) -> Self {
        SfError {
            code: code.to_owned(),
            message: message.into(),
            fields: Some(fields.iter().map(|f| (*f).to_owned()).collect()),
        }
    }

    pub(crate) fn from_template(
        template: &ErrorTemplate,
        values: &[(&str, &str)],
        fields: &[&str],
    ) -> Self {
        SfError::dml(&template.code, template.render(values), fields)
    }

    /// The REST shape: `{"message","errorCode"[,"fields"]}`.
    pub(crate) fn rest_json(&self) -> Value {
        let mut value = json!({"message": self.message, "errorCode": self.code});
        if let (Some(fields), Some(map)) = (&self.fields, value.as_object_mut()) {
            map.insert("fields".into(), json!(fields));
        }
        value
    }

    /// The SaveResult shape: `{"statusCode","message","fields"}`.
    pub(crate) fn status_json(&self) -> Value {
        json!({
            "statusCode": self.code,
            "message": self.message,
            "fields": self.fields.clone().unwrap_or_default(),
        })
    }
}

/// A failed REST call: status plus errors.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RestError {
    pub(crate) status: u16,
    pub(crate) errors: Vec<SfError>,
}

impl RestError {
    pub(crate) fn new(status: u16, error: SfError) -> Self {
        RestError {
            status,
            errors: vec![error],
        }
    }

    pub(crate) fn bad(error: SfError) -> Self {
        RestError::new(400, error)
    }

    pub(crate) fn not_found() -> Self {
        RestError::new(
            404,
            SfError::new("NOT_FOUND", "The requested resource does not exist"),
        )
    }

    pub(crate) fn json_parse(detail: impl std::fmt::Display) -> Self {
        RestError::bad(SfError::new("JSON_PARSER_ERROR", detail.to_string()))
    }

    pub(crate) fn body(&self) -> Value {
        Value::Array(self.errors.iter().map(SfError::rest_json).collect())
    }
}

impl From<Vec<SfError>> for RestError {
    fn from(errors: Vec<SfError>) -> Self {
        RestError {
            status: 400,
            errors,
        }
    }
}
