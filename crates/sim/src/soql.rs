//! A parser for the part of SOQL that sfiu and ordinary clients send.
//!
//! Field lists with relationship paths, child subqueries, `COUNT()`, `WHERE` with comparison,
//! `IN`, `LIKE`, `AND`/`OR`/`NOT` and parentheses, `ORDER BY`, `LIMIT` and `OFFSET`. Errors
//! carry the 1-based column so that messages can point at the token like Salesforce does.

/// A parsed query.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Query {
    pub(crate) select: Vec<SelectItem>,
    pub(crate) from: String,
    pub(crate) from_column: usize,
    pub(crate) filter: Option<Cond>,
    pub(crate) order: Vec<OrderItem>,
    pub(crate) limit: Option<usize>,
    pub(crate) offset: Option<usize>,
}

/// One item of the SELECT list.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SelectItem {
    Field(Path),
    /// `COUNT()` (`None`) or `COUNT(field)`.
    Count(Option<Path>),
    Subquery(Box<Query>),
}

/// A dotted field path and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Path {
    pub(crate) parts: Vec<String>,
    pub(crate) column: usize,
}

/// An ORDER BY item.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OrderItem {
    pub(crate) path: Path,
    pub(crate) descending: bool,
    pub(crate) nulls_last: bool,
}

/// A literal value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Literal {
    Text(String),
    Number(f64),
    Bool(bool),
    Null,
    /// An unquoted date, datetime or date literal such as `TODAY`.
    Date(String),
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A WHERE condition.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cond {
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Compare(Path, Op, Literal),
    In(Path, bool, Vec<Literal>),
    Like(Path, bool, String),
}

/// A syntax error: the offending token and its column.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SyntaxError {
    pub(crate) message: String,
    pub(crate) column: usize,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Text(String),
    Number(String),
    Punct(&'static str),
    End,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    column: usize,
}

fn lex(input: &str) -> Result<Vec<Token>, SyntaxError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '\'' {
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(SyntaxError {
                            message: "unexpected token: '<EOF>'".into(),
                            column,
                        });
                    }
                    Some('\\') => {
                        let escaped = chars.get(i + 1).copied().unwrap_or('\\');
                        text.push(match escaped {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(other) => {
                        text.push(*other);
                        i += 1;
                    }
                }
            }
            tokens.push(Token {
                tok: Tok::Text(text),
                column,
            });
            continue;
        }
        if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | ':' | '-' | '+'))
            {
                i += 1;
            }
            tokens.push(Token {
                tok: Tok::Number(chars[start..i].iter().collect()),
                column,
            });
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | ':'))
            {
                i += 1;
            }
            tokens.push(Token {
                tok: Tok::Word(chars[start..i].iter().collect()),
                column,
            });
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let punct = match two.as_str() {
            "!=" => Some("!="),
            "<>" => Some("<>"),
            "<=" => Some("<="),
            ">=" => Some(">="),
            _ => None,
        };
        if let Some(p) = punct {
            tokens.push(Token {
                tok: Tok::Punct(p),
                column,
            });
            i += 2;
            continue;
        }
        let single = match c {
            '(' => "(",
            ')' => ")",
            ',' => ",",
            '=' => "=",
            '<' => "<",
            '>' => ">",
            _ => {
                return Err(SyntaxError {
                    message: format!("unexpected token: '{c}'"),
                    column,
                });
            }
        };
        tokens.push(Token {
            tok: Tok::Punct(single),
            column,
        });
        i += 1;
    }
    tokens.push(Token {
        tok: Tok::End,
        column: chars.len() + 1,
    });
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

/// Nesting allowed for parentheses, NOT and subqueries; deeper input is refused rather than
/// risking the stack.
const MAX_DEPTH: usize = 64;

/// Parses one SOQL statement.
pub(crate) fn parse(input: &str) -> Result<Query, SyntaxError> {
    let mut parser = Parser {
        tokens: lex(input)?,
        at: 0,
        depth: 0,
    };
    let query = parser.query()?;
    match parser.peek().tok {
        Tok::End => Ok(query),
        _ => Err(parser.unexpected()),
    }
}

const RESERVED: &[&str] = &[
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT", "OFFSET",
    "ASC", "DESC", "NULLS", "FIRST", "LAST", "GROUP", "HAVING",
];

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if self.at < self.tokens.len() - 1 {
            self.at += 1;
        }
        token
    }

    fn unexpected(&self) -> SyntaxError {
        let token = self.peek();
        let shown = match &token.tok {
            Tok::Word(w) => w.clone(),
            Tok::Text(t) => format!("'{t}'"),
            Tok::Number(n) => n.clone(),
            Tok::Punct(p) => (*p).to_owned(),
            Tok::End => "<EOF>".to_owned(),
        };
        SyntaxError {
            message: format!("unexpected token: '{shown}'"),
            column: token.column,
        }
    }

    fn is_keyword(&self, keyword: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(w) if w.eq_ignore_ascii_case(keyword))
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        if self.is_keyword(keyword) {
            self.next();
            true
        } else {
            false
        }
    }

    fn expect_keyword(&mut self, keyword: &str) -> Result<(), SyntaxError> {
        if self.eat_keyword(keyword) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn is_punct(&self, punct: &str) -> bool {
        matches!(&self.peek().tok, Tok::Punct(p) if *p == punct)
    }

    fn expect_punct(&mut self, punct: &str) -> Result<(), SyntaxError> {
        if self.is_punct(punct) {
            self.next();
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn identifier(&mut self) -> Result<(String, usize), SyntaxError> {
        match &self.peek().tok {
            Tok::Word(w) if !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(w)) => {
                let token = self.next();
                match token.tok {
                    Tok::Word(w) => Ok((w, token.column)),
                    _ => Err(self.unexpected()),
                }
            }
            _ => Err(self.unexpected()),
        }
    }

    fn path(&mut self) -> Result<Path, SyntaxError> {
        let (word, column) = self.identifier()?;
        let parts: Vec<String> = word.split('.').map(str::to_owned).collect();
        if parts.iter().any(String::is_empty) {
            return Err(SyntaxError {
                message: format!("unexpected token: '{word}'"),
                column,
            });
        }
        Ok(Path { parts, column })
    }

    fn query(&mut self) -> Result<Query, SyntaxError> {
        self.expect_keyword("SELECT")?;
        let mut select = Vec::new();
        loop {
            select.push(self.select_item()?);
            if self.is_punct(",") {
                self.next();
            } else {
                break;
            }
        }
        self.expect_keyword("FROM")?;
        let (from, from_column) = self.identifier()?;
        let filter = if self.eat_keyword("WHERE") {
            Some(self.or()?)
        } else {
            None
        };
        let mut order = Vec::new();
        if self.eat_keyword("ORDER") {
            self.expect_keyword("BY")?;
            loop {
                let path = self.path()?;
                let descending = if self.eat_keyword("DESC") {
                    true
                } else {
                    self.eat_keyword("ASC");
                    false
                };
                let mut nulls_last = descending;
                if self.eat_keyword("NULLS") {
                    if self.eat_keyword("LAST") {
                        nulls_last = true;
                    } else {
                        self.expect_keyword("FIRST")?;
                        nulls_last = false;
                    }
                }
                order.push(OrderItem {
                    path,
                    descending,
                    nulls_last,
                });
                if self.is_punct(",") {
                    self.next();
                } else {
                    break;
                }
            }
        }
        let limit = if self.eat_keyword("LIMIT") {
            Some(self.count()?)
        } else {
            None
        };
        let offset = if self.eat_keyword("OFFSET") {
            Some(self.count()?)
        } else {
            None
        };
        Ok(Query {
            select,
            from,
            from_column,
            filter,
            order,
            limit,
            offset,
        })
    }

    fn count(&mut self) -> Result<usize, SyntaxError> {
        match &self.peek().tok {
            Tok::Number(n) => match n.parse::<usize>() {
                Ok(value) => {
                    self.next();
                    Ok(value)
                }
                Err(_) => Err(self.unexpected()),
            },
            _ => Err(self.unexpected()),
        }
    }

    fn select_item(&mut self) -> Result<SelectItem, SyntaxError> {
        if self.is_punct("(") {
            self.next();
            if self.depth >= 2 {
                return Err(self.unexpected());
            }
            self.depth += 1;
            let sub = self.query();
            self.depth -= 1;
            let sub = sub?;
            self.expect_punct(")")?;
            return Ok(SelectItem::Subquery(Box::new(sub)));
        }
        if self.is_keyword("COUNT")
            && matches!(
                self.tokens.get(self.at + 1).map(|t| &t.tok),
                Some(Tok::Punct("("))
            )
        {
            self.next();
            self.next();
            if self.is_punct(")") {
                self.next();
                return Ok(SelectItem::Count(None));
            }
            let path = self.path()?;
            self.expect_punct(")")?;
            return Ok(SelectItem::Count(Some(path)));
        }
        Ok(SelectItem::Field(self.path()?))
    }

    fn or(&mut self) -> Result<Cond, SyntaxError> {
        let mut left = self.and()?;
        while self.eat_keyword("OR") {
            let right = self.and()?;
            left = Cond::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Cond, SyntaxError> {
        let mut left = self.not()?;
        while self.eat_keyword("AND") {
            let right = self.not()?;
            left = Cond::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Cond, SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.unexpected());
        }
        let result = self.not_inner();
        self.depth -= 1;
        result
    }

    fn not_inner(&mut self) -> Result<Cond, SyntaxError> {
        if self.eat_keyword("NOT") {
            return Ok(Cond::Not(Box::new(self.not()?)));
        }
        if self.is_punct("(") {
            self.next();
            let inner = self.or()?;
            self.expect_punct(")")?;
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Cond, SyntaxError> {
        let path = self.path()?;
        let negated = self.eat_keyword("NOT");
        if self.eat_keyword("IN") {
            self.expect_punct("(")?;
            let mut values = vec![self.literal()?];
            while self.is_punct(",") {
                self.next();
                values.push(self.literal()?);
            }
            self.expect_punct(")")?;
            return Ok(Cond::In(path, negated, values));
        }
        if self.eat_keyword("LIKE") {
            return match self.literal()? {
                Literal::Text(pattern) => Ok(Cond::Like(path, negated, pattern)),
                _ => Err(self.unexpected()),
            };
        }
        if negated {
            return Err(self.unexpected());
        }
        let op = match &self.peek().tok {
            Tok::Punct("=") => Op::Eq,
            Tok::Punct("!=") | Tok::Punct("<>") => Op::Ne,
            Tok::Punct("<") => Op::Lt,
            Tok::Punct("<=") => Op::Le,
            Tok::Punct(">") => Op::Gt,
            Tok::Punct(">=") => Op::Ge,
            _ => return Err(self.unexpected()),
        };
        self.next();
        Ok(Cond::Compare(path, op, self.literal()?))
    }

    fn literal(&mut self) -> Result<Literal, SyntaxError> {
        let literal = match &self.peek().tok {
            Tok::Text(t) => Literal::Text(t.clone()),
            Tok::Number(n) => match n.parse::<f64>() {
                Ok(value) => Literal::Number(value),
                Err(_) => Literal::Date(n.clone()),
            },
            Tok::Word(w) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Tok::Word(w) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Tok::Word(w) if w.eq_ignore_ascii_case("null") => Literal::Null,
            Tok::Word(w)
                if w.chars().all(|c| {
                    c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == ':'
                }) =>
            {
                Literal::Date(w.clone())
            }
            _ => return Err(self.unexpected()),
        };
        self.next();
        Ok(literal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_relationships_subqueries_and_filters() {
        let query = parse(
            "SELECT Id, Profile.UserLicense.Name, (SELECT PermissionSet.Name FROM PermissionSetAssignments) \
             FROM User WHERE (IsActive = true AND Username LIKE 'int%') OR Id IN ('005', '006') \
             ORDER BY Username DESC NULLS LAST LIMIT 10",
        )
        .unwrap();
        assert_eq!(query.from, "User");
        assert_eq!(query.select.len(), 3);
        assert!(
            matches!(&query.select[2], SelectItem::Subquery(q) if q.from == "PermissionSetAssignments")
        );
        assert!(matches!(query.filter, Some(Cond::Or(_, _))));
        assert_eq!(query.limit, Some(10));
        assert!(query.order[0].descending);
    }

    #[test]
    fn reports_the_column_of_bad_tokens() {
        let error = parse("SELECT Id FROM").unwrap_err();
        assert_eq!(error.message, "unexpected token: '<EOF>'");
        let error = parse("SELECT Id FRM User").unwrap_err();
        assert_eq!(error.column, 11);
        assert!(parse("SELECT COUNT() FROM User WHERE Name != 'x\\'y'").is_ok());
        assert!(parse("SELECT Id FROM User WHERE").is_err());
        assert!(parse("SELECT Id FROM User LIMIT x").is_err());
        assert!(parse("'").is_err());
        let deep = format!(
            "SELECT Id FROM User WHERE {}Id = null{}",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        assert!(parse(&deep).is_err());
    }
}
