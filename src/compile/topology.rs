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
use crate::hash::FastMap;
use crate::netlist::Library;
use std::collections::BTreeMap;

/// Every component's terminals by node number (ground left out), numbered
/// in the order the terminals first name them: what the dangling and the
/// source checks share, so that each terminal's node name is read and
/// hashed once.
pub struct Terminals<'c> {
    /// Node names by number.
    names: Vec<&'c str>,
    /// Per node: how many terminals touch it, and the first of them as
    /// (component, position among its terminals).
    uses: Vec<(usize, usize, usize)>,
    /// Node numbers of every component's terminals, one after another.
    nodes: Vec<usize>,
    /// Where each component's terminals start in `nodes`, and the end.
    first: Vec<usize>,
}

impl<'c> Terminals<'c> {
    pub fn new(components: &'c [ComponentSpec]) -> Self {
        // A typical component has two terminals, most nodes a few of
        // them: half a node per component, as the builder assumes.
        let mut index: FastMap<&str, usize> = FastMap::default();
        index.reserve(components.len() / 2);
        let mut t = Terminals {
            names: Vec::new(),
            uses: Vec::new(),
            nodes: Vec::with_capacity(2 * components.len()),
            first: Vec::with_capacity(components.len() + 1),
        };
        for (c, component) in components.iter().enumerate() {
            t.first.push(t.nodes.len());
            for (k, node) in component.primitive().nodes().into_iter().enumerate() {
                if node == "gnd" || node == "0" {
                    continue;
                }
                let n = *index.entry(node).or_insert_with(|| {
                    t.names.push(node);
                    t.uses.push((0, c, k));
                    t.names.len() - 1
                });
                t.uses[n].0 += 1;
                t.nodes.push(n);
            }
        }
        t.first.push(t.nodes.len());
        t
    }

    /// Node numbers of component `c`'s terminals.
    fn of(&self, c: usize) -> &[usize] {
        &self.nodes[self.first[c]..self.first[c + 1]]
    }
}

/// A node that exactly one terminal touches is almost always a typo.
pub fn check_dangling(
    components: &[ComponentSpec],
    terminals: &Terminals,
) -> Result<(), CompileError> {
    // The first dangling node in name order, as the message has always
    // named it.
    let Some((node, &(_, c, k))) = terminals
        .names
        .iter()
        .zip(&terminals.uses)
        .filter(|(_, u)| u.0 == 1)
        .min_by_key(|(node, _)| **node)
    else {
        return Ok(());
    };
    let mut clone = components[c].clone();
    let terminal = clone
        .primitive_mut()
        .nodes_mut()
        .get(k)
        .map_or("", |(terminal, _)| terminal);
    let mut shared: Vec<String> = terminals
        .names
        .iter()
        .zip(&terminals.uses)
        .filter(|(n, u)| *n != node && u.0 > 1)
        .map(|(n, _)| n.to_string())
        .collect();
    // `nearest` keeps the first of equally near candidates: give them in
    // name order.
    shared.sort_unstable();
    let near = nearest(node, shared.iter());
    let help = match near {
        Some(n) => {
            format!("did you mean `{n}`? Otherwise connect `{node}` to something else or to gnd")
        }
        None => format!("connect `{node}` to another component, or to gnd"),
    };
    Err(CompileError::Dangling {
        node: node.to_string(),
        component: components[c].name().to_string(),
        terminal: terminal.to_string(),
        help,
    })
}

/// Every group of nodes joined through components (ground aside) that
/// holds a load must also hold something that supplies power: loads alone
/// have no operating point (their bus would float to any voltage).
pub fn check_sources(
    components: &[ComponentSpec],
    terminals: &Terminals,
) -> Result<(), CompileError> {
    let mut groups = UnionFind::new(terminals.names.len());
    for c in 0..components.len() {
        for w in terminals.of(c).windows(2) {
            groups.union(w[0], w[1]);
        }
    }
    let mut supplied = vec![false; terminals.names.len()];
    for (c, component) in components.iter().enumerate() {
        if component.primitive().supplies_power() {
            for &n in terminals.of(c) {
                supplied[groups.find(n)] = true;
            }
        }
    }
    for (c, component) in components.iter().enumerate() {
        let Some(&n) = terminals.of(c).first() else {
            continue;
        };
        if component.kind() != "Load" || supplied[groups.find(n)] {
            continue;
        }
        let root = groups.find(n);
        let mut unfed: Vec<String> = (0..terminals.names.len())
            .filter(|&i| groups.find(i) == root)
            .map(|i| terminals.names[i].to_string())
            .collect();
        // Natural order, names it calls equal in byte order.
        unfed.sort_unstable();
        unfed.sort_by(|a, b| crate::units::natural_cmp(a, b));
        return Err(CompileError::Topology {
            message: format!(
                "load `{}` on {} has no source: no voltage source, battery, rectifier, BBU or storage bank feeds {}, so the voltage there has no operating point",
                component.name(),
                list(&unfed),
                if unfed.len() == 1 { "that node" } else { "those nodes" },
            ),
            nodes: unfed,
            components: vec![component.name().to_string()],
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
/// `node_branches` are the devices' branches between two distinct node
/// unknowns (`reduce::node_branches`).
pub fn check_index(
    b: &Builder,
    devices: &[Box<dyn Device>],
    node_branches: &[(usize, usize, Branch)],
    pattern: &Pattern,
    reduced: &Reductions,
) -> Result<(), CompileError> {
    let size = b.names.len();
    let is_node = |i: usize| i == GROUND || matches!(b.kinds[i], UnknownKind::Node);
    let branches: Vec<(usize, Branch)> = node_branches.iter().map(|&(d, _, br)| (d, br)).collect();
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
    // Row-wise adjacency restricted to algebraic rows and columns, each
    // row's columns ascending: counted, then filled into one vector (a
    // vector per row was 100,000 allocations on a hall of 10,000 racks).
    let entries = |col: usize| {
        (pattern.col_ptr[col]..pattern.col_ptr[col + 1])
            .map(|k| pattern.row_idx[k])
            .filter(|&row| algebraic(row))
    };
    let mut start = vec![0usize; n + 1];
    for col in (0..n).filter(|&c| algebraic(c)) {
        for row in entries(col) {
            start[row + 1] += 1;
        }
    }
    for row in 0..n {
        start[row + 1] += start[row];
    }
    let mut next = start.clone();
    let mut cols = vec![0usize; start[n]];
    for col in (0..n).filter(|&c| algebraic(c)) {
        for row in entries(col) {
            cols[next[row]] = col;
            next[row] += 1;
        }
    }
    let rows: Vec<&[usize]> = (0..n).map(|r| &cols[start[r]..start[r + 1]]).collect();
    let (_, match_row) = max_matching(&rows, n);
    (0..n)
        .find(|&r| algebraic(r) && match_row[r].is_none())
        .map(|r| r + 1)
}

/// A maximum matching of rows to columns (`rows[r]` lists the columns row
/// `r` may take, in order of preference), as (row of each column, column
/// of each row). Greedy first, then augmenting paths.
pub(super) fn max_matching<R: AsRef<[usize]>>(
    rows: &[R],
    columns: usize,
) -> (Vec<Option<usize>>, Vec<Option<usize>>) {
    let mut match_col: Vec<Option<usize>> = vec![None; columns];
    let mut match_row: Vec<Option<usize>> = vec![None; rows.len()];
    for (r, candidates) in rows.iter().enumerate() {
        if let Some(&c) = candidates
            .as_ref()
            .iter()
            .find(|&&c| match_col[c].is_none())
        {
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

fn augment<R: AsRef<[usize]>>(
    start: usize,
    rows: &[R],
    match_col: &mut [Option<usize>],
    match_row: &mut [Option<usize>],
    visited: &mut [usize],
) -> bool {
    // Iterative DFS over (row, next-edge) frames; `via[col]` remembers the
    // row that reached each column so the path can be flipped at the end.
    let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
    let mut via: BTreeMap<usize, usize> = BTreeMap::new();
    while let Some(&mut (row, ref mut edge)) = stack.last_mut() {
        let candidates = rows[row].as_ref();
        if *edge >= candidates.len() {
            stack.pop();
            continue;
        }
        let col = candidates[*edge];
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
