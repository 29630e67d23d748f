//! Runs parsed SOQL against the org as one user, with Salesforce's result and error shapes.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use crate::access::Access;
use crate::ids;
use crate::schema::{self, FieldDef, FieldType, ObjectDef};
use crate::sferror::{RestError, SfError};
use crate::soql::{self, Cond, Literal, Op, Path, Query, SelectItem};
use crate::store::{OrgData, Record};

/// The first page of a query plus the rows left for later pages.
pub(crate) struct QueryPage {
    pub(crate) body: Value,
    pub(crate) rest: Option<Vec<Value>>,
}

struct Ctx<'a> {
    org: &'a OrgData,
    access: &'a Access,
    soql: &'a str,
    version: &'a str,
}

impl Ctx<'_> {
    fn error(&self, code: &str, column: usize, sentence: &str, hint: &str) -> RestError {
        let message = if self.org.settings.soql_error_echo {
            let caret = format!("{}^", " ".repeat(column.saturating_sub(1)));
            format!(
                "\n{}\n{caret}\nERROR at Row:1:Column:{column}\n{sentence}{hint}",
                self.soql
            )
        } else {
            sentence.to_owned()
        };
        RestError::bad(SfError::new(code, message))
    }

    fn invalid_type(&self, name: &str, column: usize) -> RestError {
        self.error(
            "INVALID_TYPE",
            column,
            &format!("sObject type '{name}' is not supported."),
            " If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
        )
    }

    fn no_such_column(&self, field: &str, object: &str, column: usize) -> RestError {
        self.error(
            "INVALID_FIELD",
            column,
            &format!("No such column '{field}' on entity '{object}'"),
            ". If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
        )
    }

    fn bad_relationship(&self, name: &str, column: usize) -> RestError {
        self.error(
            "INVALID_FIELD",
            column,
            &format!("Didn't understand relationship '{name}' in field path."),
            " If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
        )
    }

    /// Resolves a path to the chain of reference fields and the final field.
    fn resolve(
        &self,
        object: &'static ObjectDef,
        path: &Path,
    ) -> Result<Vec<(&'static ObjectDef, &'static FieldDef)>, RestError> {
        let mut chain = Vec::new();
        let mut current = object;
        for (i, part) in path.parts.iter().enumerate() {
            let last = i + 1 == path.parts.len();
            if last {
                let field = current
                    .field(part)
                    .filter(|f| self.access.can_read_field(current, f))
                    .ok_or_else(|| self.no_such_column(part, current.name, path.column))?;
                chain.push((current, field));
            } else {
                let field = current
                    .relationship(part)
                    .ok_or_else(|| self.bad_relationship(part, path.column))?;
                chain.push((current, field));
                let FieldType::Reference(targets) = &field.kind else {
                    return Err(self.bad_relationship(part, path.column));
                };
                current = targets
                    .first()
                    .and_then(|t| schema::object(t))
                    .ok_or_else(|| self.bad_relationship(part, path.column))?;
            }
        }
        Ok(chain)
    }
}

fn follow<'a>(
    org: &'a OrgData,
    record: &'a Record,
    chain: &[(&ObjectDef, &FieldDef)],
) -> Option<&'a Value> {
    let mut current = record;
    for (i, (_, field)) in chain.iter().enumerate() {
        let value = current.get(field.name)?;
        if i + 1 == chain.len() {
            return Some(value);
        }
        let id = value.as_str()?;
        current = org.find(id)?.1;
    }
    None
}

fn attributes(object: &str, id: Option<&str>, version: &str) -> Value {
    match id {
        Some(id) => {
            json!({"type": object, "url": format!("/services/data/v{version}/sobjects/{object}/{id}")})
        }
        None => json!({"type": object}),
    }
}

/// Runs a query; `version` is the API version in the request path.
pub(crate) fn run(
    org: &OrgData,
    access: &Access,
    soql_text: &str,
    version: &str,
) -> Result<QueryPage, RestError> {
    let ctx = Ctx {
        org,
        access,
        soql: soql_text,
        version,
    };
    let query = soql::parse(soql_text).map_err(|e| {
        let sentence = e.message.clone();
        ctx.error("MALFORMED_QUERY", e.column, &sentence, "")
    })?;
    let object = schema::object(&query.from)
        .filter(|o| access.can_read(o))
        .ok_or_else(|| ctx.invalid_type(&query.from, query.from_column))?;
    let rows = select_rows(&ctx, object, &query, None)?;
    let counts: Vec<&SelectItem> = query
        .select
        .iter()
        .filter(|s| matches!(s, SelectItem::Count(_)))
        .collect();
    if !counts.is_empty() {
        if query.select.len() > 1 {
            return Err(ctx.error(
                "MALFORMED_QUERY",
                query.from_column,
                "Field must be grouped or aggregated",
                "",
            ));
        }
        let n = rows.len();
        let body = match counts[0] {
            SelectItem::Count(None) => json!({"totalSize": n, "done": true, "records": []}),
            _ => {
                json!({"totalSize": 1, "done": true, "records": [{"attributes": {"type": "AggregateResult"}, "expr0": n}]})
            }
        };
        return Ok(QueryPage { body, rest: None });
    }
    let mut records = Vec::with_capacity(rows.len());
    for record in rows {
        records.push(shape(&ctx, object, &query, record)?);
    }
    let total = records.len();
    let page = org.settings.query_page_size.max(1);
    if total <= page {
        return Ok(QueryPage {
            body: json!({"totalSize": total, "done": true, "records": records}),
            rest: None,
        });
    }
    let rest = records.split_off(page);
    Ok(QueryPage {
        body: json!({"totalSize": total, "done": false, "records": records}),
        rest: Some(rest),
    })
}

fn select_rows<'a>(
    ctx: &Ctx<'a>,
    object: &'static ObjectDef,
    query: &Query,
    parent: Option<(&str, &str)>,
) -> Result<Vec<&'a Record>, RestError> {
    for item in &query.select {
        match item {
            SelectItem::Field(path) | SelectItem::Count(Some(path)) => {
                ctx.resolve(object, path)?;
            }
            _ => {}
        }
    }
    let mut rows: Vec<&Record> = ctx
        .org
        .table(object.name)
        .filter(|r| match parent {
            Some((field, id)) => r.get(field).and_then(Value::as_str) == Some(id),
            None => true,
        })
        .collect();
    if let Some(filter) = &query.filter {
        check_cond(ctx, object, filter)?;
        let mut kept = Vec::new();
        for row in rows {
            if eval(ctx, object, row, filter)? {
                kept.push(row);
            }
        }
        rows = kept;
    }
    if !query.order.is_empty() {
        let mut keyed = Vec::new();
        for row in rows {
            let mut keys = Vec::new();
            for item in &query.order {
                let chain = ctx.resolve(object, &item.path)?;
                keys.push(follow(ctx.org, row, &chain).cloned().unwrap_or(Value::Null));
            }
            keyed.push((keys, row));
        }
        keyed.sort_by(|(a, _), (b, _)| {
            for (i, item) in query.order.iter().enumerate() {
                let ordering = compare_sort(&a[i], &b[i], item.nulls_last);
                let ordering = if item.descending && !(a[i].is_null() || b[i].is_null()) {
                    ordering.reverse()
                } else {
                    ordering
                };
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
            Ordering::Equal
        });
        rows = keyed.into_iter().map(|(_, r)| r).collect();
    }
    let offset = query.offset.unwrap_or(0);
    let rows: Vec<&Record> = rows
        .into_iter()
        .skip(offset)
        .take(query.limit.unwrap_or(usize::MAX))
        .collect();
    Ok(rows)
}

fn shape(
    ctx: &Ctx<'_>,
    object: &'static ObjectDef,
    query: &Query,
    record: &Record,
) -> Result<Value, RestError> {
    let id = record.get("Id").and_then(Value::as_str);
    let mut out = Map::new();
    out.insert(
        "attributes".into(),
        attributes(object.name, id, ctx.version),
    );
    for item in &query.select {
        match item {
            SelectItem::Field(path) => {
                let chain = ctx.resolve(object, path)?;
                insert_path(ctx, &mut out, record, &chain);
            }
            SelectItem::Subquery(sub) => {
                let relation = object.child(&sub.from).ok_or_else(|| {
                    ctx.error(
                        "INVALID_TYPE",
                        sub.from_column,
                        &format!("Didn't understand relationship '{}' in FROM part of query call.", sub.from),
                        " If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
                    )
                })?;
                let child = schema::object(relation.child)
                    .filter(|c| ctx.access.can_read(c))
                    .ok_or_else(|| ctx.invalid_type(&sub.from, sub.from_column))?;
                let rows = select_rows(
                    ctx,
                    child,
                    sub,
                    Some((relation.field, id.unwrap_or_default())),
                )?;
                let value = if rows.is_empty() {
                    Value::Null
                } else {
                    let mut records = Vec::new();
                    for row in &rows {
                        records.push(shape(ctx, child, sub, row)?);
                    }
                    json!({"totalSize": records.len(), "done": true, "records": records})
                };
                out.insert(relation.name.to_owned(), value);
            }
            SelectItem::Count(_) => {}
        }
    }
    Ok(Value::Object(out))
}

fn insert_path(
    ctx: &Ctx<'_>,
    out: &mut Map<String, Value>,
    record: &Record,
    chain: &[(&ObjectDef, &FieldDef)],
) {
    let Some(((_, field), rest)) = chain.split_first() else {
        return;
    };
    if rest.is_empty() {
        out.insert(
            field.name.to_owned(),
            record.get(field.name).cloned().unwrap_or(Value::Null),
        );
        return;
    }
    let relation = field.relationship.unwrap_or(field.name).to_owned();
    let target = record
        .get(field.name)
        .and_then(Value::as_str)
        .and_then(|id| ctx.org.find(id));
    let Some((target_type, target_record)) = target else {
        out.entry(relation).or_insert(Value::Null);
        return;
    };
    let slot = out.entry(relation).or_insert(Value::Null);
    if !slot.is_object() {
        let id = target_record.get("Id").and_then(Value::as_str);
        let mut nested = Map::new();
        nested.insert(
            "attributes".into(),
            attributes(target_type, id, ctx.version),
        );
        *slot = Value::Object(nested);
    }
    if let Some(nested) = slot.as_object_mut() {
        insert_path(ctx, nested, target_record, rest);
    }
}

fn check_cond(ctx: &Ctx<'_>, object: &'static ObjectDef, cond: &Cond) -> Result<(), RestError> {
    match cond {
        Cond::And(a, b) | Cond::Or(a, b) => {
            check_cond(ctx, object, a)?;
            check_cond(ctx, object, b)
        }
        Cond::Not(inner) => check_cond(ctx, object, inner),
        Cond::Compare(path, _, _) | Cond::In(path, _, _) | Cond::Like(path, _, _) => {
            ctx.resolve(object, path).map(|_| ())
        }
    }
}

fn eval(
    ctx: &Ctx<'_>,
    object: &'static ObjectDef,
    record: &Record,
    cond: &Cond,
) -> Result<bool, RestError> {
    Ok(match cond {
        Cond::And(a, b) => eval(ctx, object, record, a)? && eval(ctx, object, record, b)?,
        Cond::Or(a, b) => eval(ctx, object, record, a)? || eval(ctx, object, record, b)?,
        Cond::Not(inner) => !eval(ctx, object, record, inner)?,
        Cond::Compare(path, op, literal) => {
            let chain = ctx.resolve(object, path)?;
            let value = follow(ctx.org, record, &chain)
                .cloned()
                .unwrap_or(Value::Null);
            compare(&value, *op, literal)
        }
        Cond::In(path, negated, literals) => {
            let chain = ctx.resolve(object, path)?;
            let value = follow(ctx.org, record, &chain)
                .cloned()
                .unwrap_or(Value::Null);
            let found = literals.iter().any(|l| compare(&value, Op::Eq, l));
            found != *negated
        }
        Cond::Like(path, negated, pattern) => {
            let chain = ctx.resolve(object, path)?;
            let value = follow(ctx.org, record, &chain);
            let matched = value
                .and_then(Value::as_str)
                .is_some_and(|text| like(text, pattern));
            matched != *negated
        }
    })
}

fn compare(value: &Value, op: Op, literal: &Literal) -> bool {
    let ordering = match (value, literal) {
        (Value::Null, Literal::Null) => Some(Ordering::Equal),
        (Value::Null, _) | (_, Literal::Null) => {
            return match op {
                Op::Eq => false,
                Op::Ne => true,
                _ => false,
            };
        }
        (Value::Bool(b), Literal::Bool(l)) => Some(b.cmp(l)),
        (Value::Number(n), Literal::Number(l)) => n.as_f64().and_then(|n| n.partial_cmp(l)),
        (Value::String(s), Literal::Text(l) | Literal::Date(l)) => Some(compare_text(s, l)),
        (Value::String(s), Literal::Number(l)) => {
            s.parse::<f64>().ok().and_then(|n| n.partial_cmp(l))
        }
        _ => None,
    };
    let Some(ordering) = ordering else {
        return op == Op::Ne;
    };
    match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::Ne => ordering != Ordering::Equal,
        Op::Lt => ordering == Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
        Op::Gt => ordering == Ordering::Greater,
        Op::Ge => ordering != Ordering::Less,
    }
}

/// Text comparison is case-insensitive; ids compare equal in 15- and 18-character form.
fn compare_text(stored: &str, literal: &str) -> Ordering {
    if stored.len() == 18
        && (literal.len() == 15 || literal.len() == 18)
        && let (Some(a), Some(b)) = (ids::normalize(stored), ids::normalize(literal))
        && a == b
    {
        return Ordering::Equal;
    }
    stored.to_lowercase().cmp(&literal.to_lowercase())
}

fn compare_sort(a: &Value, b: &Value, nulls_last: bool) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => {
            if nulls_last {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (_, Value::Null) => {
            if nulls_last {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        _ => Ordering::Equal,
    }
}

/// SOQL LIKE: `%` any run, `_` one character, case-insensitive.
fn like(text: &str, pattern: &str) -> bool {
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let (mut t, mut p) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '_' || pattern[p] == text[t]) {
            t += 1;
            p += 1;
        } else if p < pattern.len() && pattern[p] == '%' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == '%' {
        p += 1;
    }
    p == pattern.len()
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_handles_wildcards() {
        assert!(like("integration@acme.com", "INT%"));
        assert!(like("abc", "a_c"));
        assert!(like("abc", "%"));
        assert!(!like("abc", "a_"));
        assert!(like("a%c", "a%c"));
    }
}
