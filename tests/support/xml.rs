//! Reads the JUnit reports with `roxmltree` (which checks well-formedness)
//! into a small element tree, then checks the JUnit structure that CI
//! systems read.

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

    fn from_node(node: roxmltree::Node) -> Element {
        Element {
            name: node.tag_name().name().to_string(),
            attributes: node
                .attributes()
                .map(|a| (a.name().to_string(), a.value().to_string()))
                .collect(),
            children: node
                .children()
                .filter(|c| c.is_element())
                .map(Element::from_node)
                .collect(),
            text: node
                .children()
                .filter(|c| c.is_text())
                .filter_map(|c| c.text())
                .collect(),
        }
    }
}

/// Parses a whole document into the tree of its root element.
pub fn parse(text: &str) -> Result<Element, String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| e.to_string())?;
    Ok(Element::from_node(doc.root_element()))
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
