//! Topology checks run at compile time: dangling nodes, floating islands,
//! and the two classic index-2 structures of circuit DAEs — inductor
//! cut-sets and loops of capacitors and voltage sources. A structural rank
//! test of the algebraic block backs them up.
//!
//! Structures that `reduce` rewrote exactly (capacitors pinned by sources,
//! inductor cut-sets) are skipped; what remains is refused.
//!
//! Owns only diagnosis; must not change the model.

use super::reduce::Reductions;
use super::{CompileError, Pattern};
use crate::components::ComponentSpec;
use crate::device::{Branch, BranchKind, Builder, Device, UnknownKind, GROUND};
use crate::netlist::Library;
use std::collections::BTreeMap;

/// A node that exactly one terminal touches is almost always a typo.
pub fn check_dangling(components: &[ComponentSpec]) -> Result<(), CompileError> {
    let mut uses: BTreeMap<String, Vec<(String, &'static str)>> = BTreeMap::new();
    let mut all = Vec::new();
    for c in components {
        let mut clone = c.clone();
        for (terminal, node) in clone.primitive_mut().nodes_mut() {
            if node != "gnd" && node != "0" {
                uses.entry(node.clone())
                    .or_default()
                    .push((c.name().to_string(), terminal));
            }
        }
        all.push(c.name().to_string());
    }
    for (node, users) in &uses {
        if users.len() == 1 {
            let (component, terminal) = &users[0];
            let near = nearest(
                node,
                uses.keys().filter(|k| *k != node && uses[*k].len() > 1),
            );
            let help = match near {
                Some(n) => format!(
                    "did you mean `{n}`? Otherwise connect `{node}` to something else or to gnd"
                ),
                None => format!("connect `{node}` to another component, or to gnd"),
            };
            return Err(CompileError::Dangling {
                node: node.clone(),
                component: component.clone(),
                terminal: terminal.to_string(),
                help,
            });
        }
    }
    Ok(())
}

/// Every group of nodes joined through components (ground aside) that
/// holds a load must also hold something that supplies power: loads alone
/// have no operating point (their bus would float to any voltage).
pub fn check_sources(components: &[ComponentSpec]) -> Result<(), CompileError> {
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let terminals: Vec<Vec<usize>> = components
        .iter()
        .map(|c| {
            c.primitive()
                .nodes()
                .into_iter()
                .filter(|n| *n != "gnd" && *n != "0")
                .map(|n| {
                    let next = index.len();
                    *index.entry(n.to_string()).or_insert(next)
                })
                .collect()
        })
        .collect();
    let mut groups = UnionFind::new(index.len());
    for nodes in &terminals {
        for w in nodes.windows(2) {
            groups.union(w[0], w[1]);
        }
    }
    let mut supplied = vec![false; index.len()];
    for (c, nodes) in components.iter().zip(&terminals) {
        if c.primitive().supplies_power() {
            for &n in nodes {
                supplied[groups.find(n)] = true;
            }
        }
    }
    for (c, nodes) in components.iter().zip(&terminals) {
        let Some(&n) = nodes.first() else {
            continue;
        };
        if c.kind() != "Load" || supplied[groups.find(n)] {
            continue;
        }
        let root = groups.find(n);
        let mut unfed: Vec<String> = index
            .iter()
            .filter(|(_, &i)| groups.find(i) == root)
            .map(|(name, _)| name.clone())
            .collect();
        unfed.sort_by(|a, b| crate::units::natural_cmp(a, b));
        return Err(CompileError::Topology {
            message: format!(
                "load `{}` on {} has no source: no voltage source, battery, rectifier, BBU or storage bank feeds {}, so the voltage there has no operating point",
                c.name(),
                list(&unfed),
                if unfed.len() == 1 { "that node" } else { "those nodes" },
            ),
            nodes: unfed,
            components: vec![c.name().to_string()],
            help: "connect a source to the load's bus (e.g. VoltageSource or Rectifier), directly or through cables and converters".into(),
        });
    }
    Ok(())
}

/// The candidate with the smallest edit distance, if it is close.
fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a String>) -> Option<&'a str> {
    let (distance, best) = *crate::units::ranked(name, candidates).first()?;
    (distance <= 2.max(name.len() / 4)).then_some(best)
}

pub(super) struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    pub(super) fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }
    pub(super) fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
    /// Joins the sets; false if they were already one (a loop closes).
    pub(super) fn union(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        self.parent[ra] = rb;
        true
    }
}

/// Checks that the algebraic part of the DAE is solvable (index 1).
pub fn check_index(
    b: &Builder,
    devices: &[Box<dyn Device>],
    pattern: &Pattern,
    reduced: &Reductions,
) -> Result<(), CompileError> {
    let size = b.names.len();
    let is_node = |i: usize| i == GROUND || matches!(b.kinds[i], UnknownKind::Node);
    let branches: Vec<(usize, Branch)> = devices
        .iter()
        .enumerate()
        .flat_map(|(d, dev)| dev.branches().into_iter().map(move |br| (d, br)))
        .filter(|(_, br)| br.a != br.b && is_node(br.a) && is_node(br.b))
        .collect();
    let node_name = |i: usize| b.names[i].clone();

    // 1. Islands with no path to ground at all.
    let mut all = UnionFind::new(size);
    for (_, br) in &branches {
        all.union(br.a, br.b);
    }
    let ground_root = all.find(GROUND);
    let floating: Vec<String> = (1..size)
        .filter(|&i| is_node(i) && all.find(i) != ground_root)
        .map(node_name)
        .collect();
    if !floating.is_empty() {
        return Err(CompileError::Topology {
            message: format!(
                "nodes {} have no path to ground: their voltages are undetermined",
                list(&floating)
            ),
            nodes: floating,
            components: Vec::new(),
            help: "connect the island to ground through a component, e.g. a high-value resistor"
                .into(),
        });
    }

    // 2. Loops of voltage-defining branches (voltage sources, ideal
    // capacitors). Parallel ideal capacitors to ground merge into one mass
    // and are not a loop, so only the first grounded one per node counts.
    let mut vd = UnionFind::new(size);
    let mut grounded_seen = vec![false; size];
    let mut tree: Vec<Vec<(usize, usize)>> = vec![Vec::new(); size];
    let voltage_defining = |k: BranchKind| {
        matches!(
            k,
            BranchKind::VoltageDefining | BranchKind::GroundedCapacitor
        )
    };
    // Capacitors whose voltage sources fix were reduced (`reduce`).
    let pinned = |d: usize, br: &Branch| match br.kind {
        BranchKind::GroundedCapacitor => reduced.pinned_nodes.contains(&br.a.max(br.b)),
        _ => reduced.pinned_devices.contains(&d),
    };
    for (d, br) in branches
        .iter()
        .filter(|(d, br)| voltage_defining(br.kind) && !pinned(*d, br))
    {
        if br.kind == BranchKind::GroundedCapacitor {
            let node = br.a.max(br.b);
            if grounded_seen[node] {
                continue;
            }
            grounded_seen[node] = true;
        }
        if !vd.union(br.a, br.b) {
            let mut loop_components = path_components(&tree, br.a, br.b, devices);
            loop_components.push(devices[*d].name().to_string());
            loop_components.sort();
            loop_components.dedup();
            return Err(CompileError::Topology {
                message: format!(
                    "{} form a loop of voltage sources and capacitors (index-2 DAE): the loop's current is undetermined",
                    list(&loop_components)
                ),
                nodes: vec![node_name(br.a), node_name(br.b)],
                components: loop_components,
                help: "add series resistance: an ESR on a capacitor in the loop, or a resistor in series with the source".into(),
            });
        }
        tree[br.a].push((br.b, *d));
        tree[br.b].push((br.a, *d));
    }

    // 3. Inductor cut-sets: node groups joined to the rest only by branches
    // whose current is a state or fixed, with no capacitance on any node.
    let mut alg = UnionFind::new(size);
    for (_, br) in branches
        .iter()
        .filter(|(_, br)| br.kind != BranchKind::FixedCurrent)
    {
        alg.union(br.a, br.b);
    }
    let ground_alg = alg.find(GROUND);
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in (1..size).filter(|&i| is_node(i)) {
        let r = alg.find(i);
        if r != ground_alg {
            groups.entry(r).or_default().push(i);
        }
    }
    for nodes in groups.values() {
        let cut_reduced = nodes.iter().all(|i| reduced.cut_nodes.contains(i));
        if cut_reduced || nodes.iter().any(|&i| b.mass[i] > 0.0) {
            continue;
        }
        let names: Vec<String> = nodes.iter().map(|&i| node_name(i)).collect();
        let mut comps: Vec<String> = branches
            .iter()
            .filter(|(_, br)| nodes.contains(&br.a) || nodes.contains(&br.b))
            .map(|(d, _)| devices[*d].name().to_string())
            .collect();
        comps.sort();
        comps.dedup();
        return Err(CompileError::Topology {
            message: format!(
                "{} {} joined only by inductors or current-fixing branches ({}): an inductor cut-set (index-2 DAE)",
                if names.len() == 1 { "node" } else { "nodes" },
                list(&names),
                list(&comps)
            ),
            nodes: names.clone(),
            components: comps,
            help: format!(
                "add shunt capacitance or a damping resistor from {} to ground",
                list(&names)
            ),
        });
    }

    // 4. Structural rank of the algebraic block as a backstop.
    if let Some(row) = structurally_singular_row(b, pattern) {
        let name = b.names[row].clone();
        return Err(CompileError::Topology {
            message: format!("the equation of `{name}` cannot be solved for any algebraic unknown (structurally singular, index > 1)"),
            nodes: vec![name.clone()],
            components: Vec::new(),
            help: "add shunt capacitance, a damping resistor or ESR near this node or component".into(),
        });
    }
    Ok(())
}

/// Components on the spanning-tree path from a to b.
fn path_components(
    tree: &[Vec<(usize, usize)>],
    a: usize,
    b: usize,
    devices: &[Box<dyn Device>],
) -> Vec<String> {
    let mut prev: Vec<Option<(usize, usize)>> = vec![None; tree.len()];
    let mut seen = vec![false; tree.len()];
    let mut queue = std::collections::VecDeque::from([a]);
    seen[a] = true;
    while let Some(x) = queue.pop_front() {
        if x == b {
            break;
        }
        for &(y, d) in &tree[x] {
            if !seen[y] {
                seen[y] = true;
                prev[y] = Some((x, d));
                queue.push_back(y);
            }
        }
    }
    let mut out = Vec::new();
    let mut x = b;
    while let Some((p, d)) = prev[x] {
        out.push(devices[d].name().to_string());
        x = p;
    }
    out
}

/// Finds a row of the algebraic block that a maximum matching leaves
/// unmatched (Kuhn's augmenting paths, iterative).
fn structurally_singular_row(b: &Builder, pattern: &Pattern) -> Option<usize> {
    let n = pattern.n;
    let algebraic = |i: usize| b.mass[i + 1] == 0.0;
    // Row-wise adjacency restricted to algebraic rows and columns.
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); n];
    for col in 0..n {
        if !algebraic(col) {
            continue;
        }
        for k in pattern.col_ptr[col]..pattern.col_ptr[col + 1] {
            let row = pattern.row_idx[k];
            if algebraic(row) {
                rows[row].push(col);
            }
        }
    }
    let (_, match_row) = max_matching(&rows, n);
    (0..n)
        .find(|&r| algebraic(r) && match_row[r].is_none())
        .map(|r| r + 1)
}

/// A maximum matching of rows to columns (`rows[r]` lists the columns row
/// `r` may take, in order of preference), as (row of each column, column
/// of each row). Greedy first, then augmenting paths.
pub(super) fn max_matching(
    rows: &[Vec<usize>],
    columns: usize,
) -> (Vec<Option<usize>>, Vec<Option<usize>>) {
    let mut match_col: Vec<Option<usize>> = vec![None; columns];
    let mut match_row: Vec<Option<usize>> = vec![None; rows.len()];
    for (r, candidates) in rows.iter().enumerate() {
        if let Some(&c) = candidates.iter().find(|&&c| match_col[c].is_none()) {
            match_col[c] = Some(r);
            match_row[r] = Some(c);
        }
    }
    let mut visited = vec![usize::MAX; columns];
    for r in 0..rows.len() {
        if match_row[r].is_none() {
            augment(r, rows, &mut match_col, &mut match_row, &mut visited);
        }
    }
    (match_col, match_row)
}

fn augment(
    start: usize,
    rows: &[Vec<usize>],
    match_col: &mut [Option<usize>],
    match_row: &mut [Option<usize>],
    visited: &mut [usize],
) -> bool {
    // Iterative DFS over (row, next-edge) frames; `via[col]` remembers the
    // row that reached each column so the path can be flipped at the end.
    let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
    let mut via: BTreeMap<usize, usize> = BTreeMap::new();
    while let Some(&mut (row, ref mut edge)) = stack.last_mut() {
        if *edge >= rows[row].len() {
            stack.pop();
            continue;
        }
        let col = rows[row][*edge];
        *edge += 1;
        if visited[col] == start {
            continue;
        }
        visited[col] = start;
        via.insert(col, row);
        match match_col[col] {
            None => {
                // Flip the alternating path back to the start.
                let mut c = col;
                loop {
                    let r = via[&c];
                    let previous = match_row[r];
                    match_col[c] = Some(r);
                    match_row[r] = Some(c);
                    match previous {
                        Some(pc) if r != start => c = pc,
                        _ => break,
                    }
                }
                return true;
            }
            Some(next_row) => stack.push((next_row, 0)),
        }
    }
    false
}

fn list(items: &[String]) -> String {
    let shown: Vec<String> = items.iter().take(8).map(|s| format!("`{s}`")).collect();
    if items.len() > 8 {
        format!("{} and {} more", shown.join(", "), items.len() - 8)
    } else {
        shown.join(", ")
    }
}
