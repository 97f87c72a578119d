#!/usr/bin/env python3
"""The SUNDIALS anchor of scripts/bench-vs-ngspice: a deck in, IDAS out.

Reads the linear-style ngspice deck that `busbar export --spice
--spice-style linear` writes (R, L, C, V with DC or PWL values, E, F and
behavioural current sources of constant-power form), builds its modified
nodal analysis as a semi-explicit DAE in CasADi, and integrates it with
SUNDIALS IDAS: variable-order BDF, the exact sparse Jacobian by automatic
differentiation, a sparse direct linear solver (CasADi's sparse QR by
default: on the 1000-rack hall at the same error, 1.80 s of integration
against 3.91 s with MUMPS and 262 s with csparse's LU). The run restarts
at every corner of the piecewise-linear inputs (each corner is a new
initial value problem, as a SUNDIALS user does with tstop), starting from
the DC operating point that busbar and ngspice also start from.

Unknowns: differential, the voltage across each capacitor and the current
of each inductor; algebraic, every node voltage, each capacitor's current
and each voltage-type source's branch current (ngspice's convention:
positive into the + terminal).

Prints (or writes to --report) one JSON object: setup seconds (parsing, building the symbolic
model and the integrators), operating-point seconds, integration seconds
(`solve_cpu`), IDAS statistics, and writes the
recorded nodes on the deck's output grid as CSV (busbar's column names).

Usage: sundials_anchor.py DECK --out CSV [--report JSON] [--rtol 1e-4]
                          [--atol 1e-6] [--max-order 3] [--linear-solver qr]
                          [--no-restart]
"""

import argparse
import json
import re
import sys
import time

try:
    import casadi as ca
except ImportError:
    sys.exit("sundials_anchor: CasADi is missing (pip install casadi)")


def fail(message):
    sys.exit(f"sundials_anchor: {message}")


# ------------------------------------------------------------- expressions

TOKEN = re.compile(r"\s*(>=|<=|[-+*/()?:<>]|[vi]\([^)]*\)|[0-9.]+(?:e[-+]?[0-9]+)?)", re.I)


def tokens(text):
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            fail(f"cannot read `{text[pos:]}` in the expression `{text}`")
        out.append(m.group(1))
        pos = m.end()
    return out


class Expr:
    """Recursive descent over ngspice's B-source syntax, to CasADi SX."""

    def __init__(self, text, volt, current):
        self.t, self.k, self.volt, self.current = tokens(text), 0, volt, current
        self.value = self.ternary()
        if self.k != len(self.t):
            fail(f"trailing `{' '.join(self.t[self.k:])}` in `{text}`")

    def peek(self):
        return self.t[self.k] if self.k < len(self.t) else None

    def take(self, want=None):
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            fail(f"expected `{want}`, found `{tok}`")
        self.k += 1
        return tok

    def ternary(self):
        cond = self.comparison()
        if self.peek() == "?":
            self.take("?")
            a = self.ternary()
            self.take(":")
            b = self.ternary()
            return ca.if_else(cond, a, b)
        return cond

    def comparison(self):
        a = self.additive()
        op = self.peek()
        if op in (">=", "<=", ">", "<"):
            self.take()
            b = self.additive()
            return {">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b}[op]
        return a

    def additive(self):
        a = self.term()
        while self.peek() in ("+", "-"):
            op, b = self.take(), self.term()
            a = a + b if op == "+" else a - b
        return a

    def term(self):
        a = self.unary()
        while self.peek() in ("*", "/"):
            op, b = self.take(), self.unary()
            a = a * b if op == "*" else a / b
        return a

    def unary(self):
        if self.peek() == "-":
            self.take()
            return -self.unary()
        return self.primary()

    def primary(self):
        tok = self.take()
        if tok == "(":
            e = self.ternary()
            self.take(")")
            return e
        if tok[:2].lower() == "v(":
            return self.volt(tok[2:-1])
        if tok[:2].lower() == "i(":
            return self.current(tok[2:-1])
        try:
            return float(tok)
        except ValueError:
            fail(f"unexpected `{tok}`")


# ------------------------------------------------------------------- deck


class Deck:
    """The elements, recorded nodes and output grid of a linear-style deck."""

    def __init__(self, text):
        self.elements, self.records, self.tran = [], [], None
        lines = text.splitlines()[1:]  # the first line is the title
        in_control = False
        for number, line in enumerate(lines, start=2):
            low = line.strip().lower()
            m = re.match(r"^\* record (\S+) (\S+) (\S+)$", line)
            if m:
                nominal = None if m.group(3) == "-" else float(m.group(3))
                self.records.append((m.group(1), m.group(2), nominal))
            if not low or low.startswith("*"):
                continue
            if low.startswith(".control"):
                in_control = True
            elif low.startswith(".endc"):
                in_control = False
            elif low.startswith(".tran"):
                fields = low.split()
                if "uic" in fields:
                    fail("the deck starts cold (uic); the anchor starts at the operating point")
                self.tran = (float(fields[1]), float(fields[2]))
            elif not in_control and not low.startswith("."):
                self.elements.append((number, line.strip()))
        if self.tran is None:
            fail("the deck has no .tran card")


def source_value(spec, where):
    """A V source's value: ('dc', v) or ('pwl', [(t, v), ...])."""
    spec = spec.strip()
    m = re.match(r"^DC\s+(\S+)$", spec, re.I) or re.match(r"^(\S+)$", spec)
    if m:
        return "dc", float(m.group(1))
    m = re.match(r"^PWL\s*\((.*)\)$", spec, re.I)
    if m:
        numbers = [float(x) for x in m.group(1).split()]
        if len(numbers) % 2 or len(numbers) < 2:
            fail(f"{where}: a PWL needs time-value pairs")
        return "pwl", list(zip(numbers[::2], numbers[1::2]))
    fail(f"{where}: unsupported source value `{spec}` (DC or PWL only)")


def pwl_at(points, t):
    if t <= points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if t <= t1:
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    return points[-1][1]


class Model:
    """The deck's modified nodal analysis as x' = f(t, x, z, p), 0 = g(t, x, z, p).

    p holds, per PWL source, its value and slope on the current segment
    and the segment's start time.
    """

    def __init__(self, deck):
        self.deck = deck
        self.t = ca.SX.sym("t")
        nodes = []
        for _, line in deck.elements:
            f = line.split()
            ends = f[1:3] + (f[3:5] if f[0][0].upper() == "E" else [])
            nodes += [n.lower() for n in ends if n != "0"]
        self.node_names = list(dict.fromkeys(nodes))
        self.z_v = ca.SX.sym("v", len(self.node_names))
        self.node = {n: self.z_v[k] for k, n in enumerate(self.node_names)}
        self.kcl = {n: 0 for n in self.node_names}
        self.x, self.ode, self.z, self.alg = [], [], [], []
        self.branch = {}  # V/E element name → its branch-current symbol
        self.pwl = []  # (points, value symbol, slope symbol)
        # Node → capacitance to ground: that node's voltage is a state and
        # its KCL row is its ODE, C·v' = −(the other currents leaving it).
        self.grounded = {}
        self.t0 = ca.SX.sym("t0")
        # Scales every behavioural current: 0 for the linear circuit that
        # seeds the operating point's Newton iteration, 1 otherwise.
        self.load_on = ca.SX.sym("load_on")
        pending = []
        for number, line in deck.elements:
            kind = line[0].upper()
            if kind in "VE":
                self.voltage_type(number, line)
            else:
                pending.append((number, line))
        for number, line in pending:  # F and B may read any branch current
            self.element(number, line)
        self.finish()

    def v(self, name):
        name = name.lower()
        if name == "0":
            return 0
        if name not in self.node:
            fail(f"unknown node `{name}`")
        return self.node[name]

    def i(self, name):
        if name.lower() not in self.branch:
            fail(f"`i({name})` names no voltage source")
        return self.branch[name.lower()]

    def leaves(self, a, b, current):
        """`current` flows from node a through the element to node b."""
        if a != "0":
            self.kcl[a.lower()] += current
        if b != "0":
            self.kcl[b.lower()] -= current

    def voltage_type(self, number, line):
        f = line.split()
        name, a, b = f[0], f[1], f[2]
        i = ca.SX.sym(f"i_{name}")
        self.z.append(i)
        self.branch[name.lower()] = i
        self.leaves(a, b, i)
        if name[0].upper() == "E":
            value = float(f[5]) * (self.v(f[3]) - self.v(f[4]))
        else:
            kind, val = source_value(" ".join(f[3:]), f"line {number}")
            if kind == "dc":
                value = val
            else:
                level, slope = ca.SX.sym(f"u_{name}"), ca.SX.sym(f"du_{name}")
                self.pwl.append((val, level, slope))
                value = level + slope * (self.t - self.t0)
        self.alg.append(self.v(a) - self.v(b) - value)

    def element(self, number, line):
        f = line.split()
        name, a, b, kind = f[0], f[1], f[2], line[0].upper()
        where = f"line {number} ({name})"
        if kind == "R":
            self.leaves(a, b, (self.v(a) - self.v(b)) / float(f[3]))
        elif kind == "C" and "0" in (a, b):
            node = (b if a == "0" else a).lower()
            self.grounded[node] = self.grounded.get(node, 0.0) + float(f[3])
        elif kind == "C":
            vc, ic = ca.SX.sym(f"vc_{name}"), ca.SX.sym(f"ic_{name}")
            self.x.append(vc)
            self.ode.append(ic / float(f[3]))
            self.z.append(ic)
            self.alg.append(self.v(a) - self.v(b) - vc)
            self.leaves(a, b, ic)
        elif kind == "L":
            il = ca.SX.sym(f"il_{name}")
            self.x.append(il)
            self.ode.append((self.v(a) - self.v(b)) / float(f[3]))
            self.leaves(a, b, il)
        elif kind == "F":
            self.leaves(a, b, float(f[4]) * self.i(f[3]))
        elif kind == "B":
            m = re.match(r"^\S+\s+\S+\s+\S+\s+I\s*=\s*(.*)$", line, re.I)
            if not m:
                fail(f"{where}: only current-type B sources (I = ...) are supported")
            self.leaves(a, b, self.load_on * Expr(m.group(1), self.v, self.i).value)
        else:
            fail(f"{where}: unsupported element kind `{kind}`")

    def finish(self):
        """Splits the node voltages into states (a capacitor to ground) and algebraic unknowns."""
        is_state = [n in self.grounded for n in self.node_names]
        x_nodes = [self.z_v[k] for k, s in enumerate(is_state) if s]
        z_nodes = [self.z_v[k] for k, s in enumerate(is_state) if not s]
        self.ode = [-self.kcl[n] / self.grounded[n] for n in self.node_names
                    if n in self.grounded] + self.ode
        self.alg += [self.kcl[n] for n in self.node_names if n not in self.grounded]
        self.x = x_nodes + self.x
        # Where each node voltage lands in [x; z], for reading results.
        nx = len(self.x)
        xi, zi = iter(range(len(x_nodes))), iter(range(nx, nx + len(z_nodes)))
        self.node_index = [next(xi) if s else next(zi) for s in is_state]
        self.xs = ca.vertcat(*self.x)
        self.zs = ca.vertcat(*z_nodes, *self.z)
        self.ps = ca.vertcat(self.t0, *[s for _, level, slope in self.pwl for s in (level, slope)])
        self.f_homotopy = ca.vertcat(*self.ode)
        self.g_homotopy = ca.vertcat(*self.alg)
        self.f = ca.substitute(self.f_homotopy, self.load_on, ca.SX(1))
        self.g = ca.substitute(self.g_homotopy, self.load_on, ca.SX(1))
        if self.g.numel() != self.zs.numel():
            fail(f"{self.g.numel()} algebraic equations for {self.zs.numel()} algebraic unknowns")

    def inputs(self, t_start, t_end):
        """p for the segment [t_start, t_end], on which every PWL is linear."""
        p = [t_start]
        for points, _, _ in self.pwl:
            a, b = pwl_at(points, t_start), pwl_at(points, t_end)
            p += [a, (b - a) / (t_end - t_start)]
        return p

    def without_parameters(self, *expressions):
        """`expressions` with every PWL written out in t (if_else over its segments)."""
        levels = []
        for points, level, slope in self.pwl:
            u = points[-1][1]
            for (t0, v0), (t1, v1) in reversed(list(zip(points, points[1:]))):
                if t1 > t0:
                    u = ca.if_else(self.t < t1, v0 + (v1 - v0) / (t1 - t0) * (self.t - t0), u)
            levels.append((level, slope, u))
        old = [self.t0] + [s for level, slope, _ in levels for s in (level, slope)]
        new = [ca.SX(0)] + [s for _, _, u in levels for s in (u, ca.SX(0))]
        return [ca.substitute(e, ca.vertcat(*old), ca.vertcat(*new)) for e in expressions]

    def corners(self):
        duration = self.deck.tran[1]
        ts = {t for points, _, _ in self.pwl for t, _ in points if 0 < t < duration}
        return [0.0] + sorted(ts) + [duration]


# ---------------------------------------------------------------- the run


def operating_point(model, linear_solver):
    """x and z at the DC operating point with the inputs at t = 0 (x' = 0).

    Newton starts from the linear circuit without its behavioural loads,
    whose solution puts every bus near its nominal voltage. Its linear
    solver is the integrator's: on the 1000-rack hall CasADi's `csparse`
    took 17 s here, MUMPS 1.0 s and `qr` 0.96 s, to the same residual.
    """
    w = ca.vertcat(model.xs, model.zs)
    equations = ca.vertcat(model.f_homotopy, model.g_homotopy)
    equations = ca.substitute(equations, model.t, ca.SX(0))
    residual = ca.Function("op", [w, ca.vertcat(model.ps, model.load_on)], [equations])
    solver = ca.rootfinder("op_solve", "newton", residual,
                           {"abstol": 1e-6, "max_iter": 100, "linear_solver": linear_solver})
    p = model.inputs(0.0, model.corners()[1])
    w0 = solver(ca.DM.zeros(w.numel()), p + [0.0])
    w0 = solver(w0, p + [1.0])
    nx = model.xs.numel()
    return w0[:nx], w0[nx:]


def grid(sample, duration):
    n = round(duration / sample)
    return [duration if k == n else k * sample for k in range(n + 1)]


def build(model, rtol, atol, max_order, linear_solver, restart):
    """The IDAS integrators, each with the output times in its span.

    With `restart`, one per segment between PWL corners, each started
    afresh (at order 1) at its corner; without, one for the whole run, the
    inputs piecewise linear in t and the corners left to the error control.
    """
    dae = {"x": model.xs, "z": model.zs, "p": model.ps, "t": model.t,
           "ode": model.f, "alg": model.g}
    if not restart:
        dae["ode"], dae["alg"] = model.without_parameters(dae["ode"], dae["alg"])
    options = {"reltol": rtol, "abstol": atol, "max_multistep_order": max_order,
               "linear_solver": linear_solver, "newton_scheme": "direct",
               "max_num_steps": 10 ** 7, "calc_ic": True, "disable_internal_warnings": True}
    sample, duration = model.deck.tran
    times = grid(sample, duration)
    corners = model.corners() if restart else [0.0, duration]
    segments = []
    for ta, tb in zip(corners, corners[1:]):
        tout = [t for t in times if ta < t < tb] + [tb]
        f = ca.integrator(f"idas_{len(segments)}", "idas", dae, ta, tout, options)
        segments.append((ta, tb, tout, f))
    return segments, times


def solve(model, segments, x0, z0):
    """The recorded node voltages at every output time, and the summed IDAS statistics."""
    wanted = []
    for vector, column, _ in model.deck.records:
        m = re.match(r"^v\((\S+)\)$", vector, re.I)
        if not m or m.group(1).lower() not in model.node_names:
            fail(f"the recorded vector `{vector}` is not a node voltage of the deck")
        wanted.append((column, model.node_index[model.node_names.index(m.group(1).lower())]))
    nx = model.xs.numel()

    def read(xs, zs, k, j):
        return float(xs[k, j]) if k < nx else float(zs[k - nx, j])

    out = {column: [read(x0, z0, k, 0)] for column, k in wanted}
    stats = {}
    x, z = x0, z0
    for ta, tb, tout, f in segments:
        r = f(x0=x, z0=z, p=model.inputs(ta, tb) if ta > 0 or tb < model.deck.tran[1]
              else model.inputs(0.0, model.corners()[1]))
        xf, zf = r["xf"], r["zf"]
        for column, k in wanted:
            out[column] += [read(xf, zf, k, j) for j in range(len(tout))]
        x, z = xf[:, -1], zf[:, -1]
        for key, value in f.stats().items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                stats[key] = stats.get(key, 0) + value
    return out, stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("deck")
    parser.add_argument("--out", required=True)
    parser.add_argument("--report", help="write the JSON report here (MUMPS prints to stdout)")
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--atol", type=float, default=1e-6)
    parser.add_argument("--max-order", type=int, default=3)
    parser.add_argument("--linear-solver", default="qr",
                        help="CasADi linear solver plugin (qr, mumps or csparse)")
    parser.add_argument("--no-restart", action="store_true",
                        help="one integration over the whole run instead of a restart at each corner")
    args = parser.parse_args()

    started = time.process_time()
    with open(args.deck) as f:
        model = Model(Deck(f.read()))
    segments, times = build(model, args.rtol, args.atol, args.max_order, args.linear_solver,
                            not args.no_restart)
    setup = time.process_time() - started
    started = time.process_time()
    x0, z0 = operating_point(model, args.linear_solver)
    op_seconds = time.process_time() - started
    started = time.process_time()
    columns, stats = solve(model, segments, x0, z0)
    seconds = time.process_time() - started
    # A point that ends a segment but is not an output time is dropped.
    keep = [k for k, t in enumerate([0.0] + [t for _, _, tout, _ in segments for t in tout])
            if k == 0 or t in set(times[1:])]
    names = [column for _, column, _ in model.deck.records]
    with open(args.out, "w") as f:
        f.write(",".join(["time"] + names) + "\n")
        for j, t in zip(keep, times):
            f.write(",".join([repr(t)] + [repr(columns[n][j]) for n in names]) + "\n")
    report = json.dumps({"setup_cpu": setup, "op_cpu": op_seconds, "solve_cpu": seconds,
                         "states": model.xs.numel(), "algebraic": model.zs.numel(),
                         "segments": len(segments), "stats": stats})
    if args.report:
        with open(args.report, "w") as f:
            f.write(report + "\n")
    else:
        print(report)


if __name__ == "__main__":
    main()
