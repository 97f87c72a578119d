//! Walks a file format from its root type through every struct and enum
//! serde reaches, pairing each with its documentation table and the type
//! of each field as serde sees it, and listing every field, variant or
//! type that has no documentation (or documentation of something that
//! does not exist).
//!
//! Must not render anything.

use crate::field_doc::trace::{Shape, Step, Traced, Wrapper};
use crate::field_doc::{Field, Schema, Variant};
use std::collections::BTreeSet;

/// Traces a path into one root type (`trace::<Root>`).
pub type Tracer = fn(&[Step]) -> Result<Traced, String>;

/// One documented field with its type as written in the reference, where
/// `{Name}` marks a documented type (a link in Markdown).
#[derive(Debug, Clone)]
pub struct TypedField {
    pub doc: &'static Field,
    pub ty: String,
}

/// One documented variant with its fields, or the type it wraps.
#[derive(Debug, Clone)]
pub struct TypedVariant {
    pub doc: &'static Variant,
    pub fields: Vec<TypedField>,
    /// The type of a newtype or tuple variant's content.
    pub payload: Option<String>,
}

/// A documented type as serde reads it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub doc: &'static Schema,
    pub fields: Vec<TypedField>,
    pub variants: Vec<TypedVariant>,
}

/// Everything one root reaches, in the order met, and what is missing.
#[derive(Debug, Default)]
pub struct Walk {
    pub entries: Vec<Entry>,
    pub problems: Vec<String>,
}

impl Walk {
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.doc.name == name)
    }
}

/// Walks from the root of `tracer`, looking documentation up in `docs`.
pub fn walk(root: &str, tracer: Tracer, docs: &[&'static Schema]) -> Walk {
    let mut out = Walk::default();
    let mut seen = BTreeSet::new();
    let mut queue: Vec<Vec<Step>> = vec![Vec::new()];
    while !queue.is_empty() {
        let path = queue.remove(0);
        let traced = match tracer(&path) {
            Ok(t) => t,
            Err(e) => {
                out.problems.push(format!("{root} {path:?}: {e}"));
                continue;
            }
        };
        let name = match traced.shape {
            Shape::Struct { name, .. } | Shape::Enum { name, .. } => name,
            _ => continue,
        };
        if !seen.insert(name) {
            continue;
        }
        let Some(doc) = docs.iter().find(|d| d.name == name) else {
            out.problems.push(format!(
                "{root}: type `{name}` has no documentation table (a `Schema` named `{name}`)"
            ));
            continue;
        };
        let mut w = Walker {
            tracer,
            problems: &mut out.problems,
            queue: &mut queue,
        };
        let entry = match traced.shape {
            Shape::Struct { fields, .. } => Entry {
                doc,
                fields: w.fields(name, &path, fields, doc.fields),
                variants: Vec::new(),
            },
            Shape::Enum { variants, .. } => Entry {
                doc,
                fields: Vec::new(),
                variants: w.variants(name, &path, variants, doc),
            },
            _ => unreachable!("only structs and enums are named"),
        };
        out.entries.push(entry);
    }
    out
}

struct Walker<'a> {
    tracer: Tracer,
    problems: &'a mut Vec<String>,
    queue: &'a mut Vec<Vec<Step>>,
}

impl Walker<'_> {
    /// Pairs the fields serde accepts with the documented ones.
    fn fields(
        &mut self,
        owner: &str,
        path: &[Step],
        accepted: &'static [&'static str],
        documented: &'static [Field],
    ) -> Vec<TypedField> {
        for d in documented {
            if !accepted.contains(&d.name) {
                self.problems.push(format!(
                    "`{owner}` documents a field `{}` that it does not accept",
                    d.name
                ));
            }
        }
        let mut out = Vec::new();
        for name in accepted {
            let Some(doc) = documented.iter().find(|d| d.name == *name) else {
                self.problems.push(format!(
                    "field `{name}` of `{owner}` has no documentation row"
                ));
                continue;
            };
            let ty = self.type_of(&extend(path, Step::Field(name)));
            out.push(TypedField { doc, ty });
        }
        out
    }

    fn variants(
        &mut self,
        owner: &str,
        path: &[Step],
        accepted: &'static [&'static str],
        doc: &'static Schema,
    ) -> Vec<TypedVariant> {
        for d in doc.variants {
            if !accepted.contains(&d.name) {
                self.problems.push(format!(
                    "`{owner}` documents a variant `{}` that it does not accept",
                    d.name
                ));
            }
        }
        let mut out = Vec::new();
        for name in accepted {
            let Some(vdoc) = doc.variant(name) else {
                self.problems.push(format!(
                    "variant `{name}` of `{owner}` has no documentation"
                ));
                continue;
            };
            let here = extend(path, Step::Variant(name));
            let whose = format!("{owner}::{name}");
            let mut v = TypedVariant {
                doc: vdoc,
                fields: Vec::new(),
                payload: None,
            };
            match (self.tracer)(&here) {
                Ok(Traced {
                    shape: Shape::Struct { name: "", fields },
                    ..
                }) => v.fields = self.fields(&whose, &here, fields, vdoc.fields),
                Ok(Traced {
                    shape: Shape::Unit, ..
                }) => {}
                Ok(_) => v.payload = Some(self.type_of(&here)),
                Err(e) => self.problems.push(format!("{whose}: {e}")),
            }
            if v.fields.is_empty() && !vdoc.fields.is_empty() {
                self.problems
                    .push(format!("`{whose}` documents fields but takes none"));
            }
            out.push(v);
        }
        out
    }

    /// The type at `path` as the reference writes it; queues named types.
    fn type_of(&mut self, path: &[Step]) -> String {
        let traced = match (self.tracer)(path) {
            Ok(t) => t,
            Err(e) => {
                self.problems.push(format!("{path:?}: {e}"));
                return "?".into();
            }
        };
        let mut text = match traced.shape {
            Shape::Struct { name, .. } | Shape::Enum { name, .. } => {
                self.queue.push(path.to_vec());
                format!("{{{name}}}")
            }
            Shape::Tuple(n) => {
                let element = self.type_of(&extend(path, Step::Element));
                format!("({})", vec![element; n].join(", "))
            }
            Shape::Number => "number".into(),
            Shape::Integer => "integer".into(),
            Shape::Bool => "bool".into(),
            Shape::Text => "text".into(),
            Shape::Any => "number or expression".into(),
            Shape::Ignored => "anything".into(),
            Shape::Unit => "()".into(),
        };
        for w in traced.wrappers.iter().rev() {
            text = match w {
                Wrapper::Optional => text,
                Wrapper::List => format!("[{text}]"),
                Wrapper::Map => format!("{{name: {text}}}"),
            };
        }
        text
    }
}

fn extend(path: &[Step], step: Step) -> Vec<Step> {
    let mut p = path.to_vec();
    p.push(step);
    p
}
