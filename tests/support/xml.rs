//! A minimal XML reader for the JUnit reports: checks well-formedness
//! (one root, matched and properly nested tags, quoted and unique
//! attributes, known entities, no stray `<` or `&`) and builds an element
//! tree; then checks the JUnit structure that CI systems read.
//!
//! Enough for machine-written reports; no DTDs, CDATA or namespaces.

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Reader<'a> {
    s: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }
    fn skip_space(&mut self) {
        let n = self.rest().len() - self.rest().trim_start().len();
        self.pos += n;
    }
    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }
    fn name(&mut self) -> Result<String, String> {
        let len = self
            .rest()
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
            .unwrap_or(self.rest().len());
        if len == 0 {
            return Err(format!("expected a name at byte {}", self.pos));
        }
        let name = self.rest()[..len].to_string();
        self.pos += len;
        Ok(name)
    }
    fn text_until(&mut self, end: char) -> Result<String, String> {
        let len = self
            .rest()
            .find(end)
            .ok_or_else(|| format!("unterminated text at byte {}", self.pos))?;
        let raw = &self.rest()[..len];
        if end == '"' && raw.contains('<') {
            return Err(format!("`<` in an attribute at byte {}", self.pos));
        }
        let text = decode(raw).map_err(|e| format!("{e} at byte {}", self.pos))?;
        self.pos += len;
        Ok(text)
    }

    fn element(&mut self) -> Result<Element, String> {
        if !self.eat("<") {
            return Err(format!("expected `<` at byte {}", self.pos));
        }
        let mut e = Element {
            name: self.name()?,
            ..Element::default()
        };
        loop {
            self.skip_space();
            if self.eat("/>") {
                return Ok(e);
            }
            if self.eat(">") {
                break;
            }
            let key = self.name()?;
            self.skip_space();
            if !self.eat("=") {
                return Err(format!("attribute `{key}` without `=`"));
            }
            self.skip_space();
            if !self.eat("\"") {
                return Err(format!("attribute `{key}` is not quoted"));
            }
            let value = self.text_until('"')?;
            self.eat("\"");
            if e.attribute(&key).is_some() {
                return Err(format!("attribute `{key}` repeated on <{}>", e.name));
            }
            e.attributes.push((key, value));
        }
        loop {
            e.text.push_str(&self.text_until('<')?);
            if self.eat("</") {
                let close = self.name()?;
                self.skip_space();
                if close != e.name || !self.eat(">") {
                    return Err(format!("<{}> closed by </{close}>", e.name));
                }
                return Ok(e);
            }
            e.children.push(self.element()?);
        }
    }
}

fn decode(raw: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(k) = rest.find('&') {
        out.push_str(&rest[..k]);
        let end = rest[k..].find(';').ok_or("`&` without `;`")? + k;
        let entity = &rest[k + 1..end];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = entity
                    .strip_prefix('#')
                    .and_then(|d| d.parse::<u32>().ok())
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("unknown entity `&{entity};`"))?;
                code
            }
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Parses a document: an optional `<?xml …?>` declaration, then exactly
/// one root element.
pub fn parse(text: &str) -> Result<Element, String> {
    let mut r = Reader { s: text, pos: 0 };
    r.skip_space();
    if r.eat("<?xml") {
        let end = r.rest().find("?>").ok_or("unterminated declaration")?;
        r.pos += end + 2;
    }
    r.skip_space();
    let root = r.element()?;
    r.skip_space();
    if !r.rest().is_empty() {
        return Err(format!("content after the root element at byte {}", r.pos));
    }
    Ok(root)
}

fn count(e: &Element, key: &str) -> Result<usize, String> {
    e.attribute(key)
        .ok_or_else(|| format!("<{}> has no `{key}`", e.name))?
        .parse()
        .map_err(|_| format!("<{}> `{key}` is not a count", e.name))
}

/// Checks the JUnit layout (`testsuites` › `testsuite` › `testcase`, with
/// `failure`/`error` children carrying a message) and that every count
/// attribute matches the cases; returns (tests, failures, errors).
pub fn check_junit(root: &Element) -> Result<(usize, usize, usize), String> {
    if root.name != "testsuites" {
        return Err(format!("root is <{}>", root.name));
    }
    let mut totals = (0, 0, 0);
    for suite in &root.children {
        if suite.name != "testsuite" || suite.attribute("name").is_none() {
            return Err(format!("<{}> in <testsuites>", suite.name));
        }
        let mut found = (0, 0, 0);
        for case in suite.children.iter().filter(|c| c.name == "testcase") {
            if case.attribute("name").is_none() || case.attribute("classname").is_none() {
                return Err("a <testcase> without name or classname".into());
            }
            found.0 += 1;
            for outcome in &case.children {
                match outcome.name.as_str() {
                    "failure" => found.1 += 1,
                    "error" => found.2 += 1,
                    "skipped" | "system-out" | "system-err" => continue,
                    other => return Err(format!("<{other}> in <testcase>")),
                }
                if outcome.attribute("message").is_none() {
                    return Err(format!("<{}> without a message", outcome.name));
                }
            }
        }
        let declared = (
            count(suite, "tests")?,
            count(suite, "failures")?,
            count(suite, "errors")?,
        );
        if declared != found {
            return Err(format!("suite declares {declared:?}, holds {found:?}"));
        }
        totals = (totals.0 + found.0, totals.1 + found.1, totals.2 + found.2);
    }
    let declared = (
        count(root, "tests")?,
        count(root, "failures")?,
        count(root, "errors")?,
    );
    if declared != totals {
        return Err(format!("report declares {declared:?}, holds {totals:?}"));
    }
    Ok(totals)
}

#[test]
fn rejects_malformed_documents() {
    assert!(parse("<a><b></a></b>").is_err());
    assert!(parse("<a x=1/>").is_err());
    assert!(parse("<a x=\"1\" x=\"2\"/>").is_err());
    assert!(parse("<a>&bogus;</a>").is_err());
    assert!(parse("<a/><b/>").is_err());
    let ok = parse("<?xml version=\"1.0\"?>\n<a n=\"&lt;&#10;\">t<b/></a>").expect("well-formed");
    assert_eq!(ok.attribute("n"), Some("<\n"));
    assert_eq!(ok.children[0].name, "b");
}
