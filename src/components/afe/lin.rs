//! A value with its gradient over a device's local unknowns (forward-mode
//! differentiation), so that the front end's residual rows and their
//! Jacobian come from one function and cannot disagree.
//!
//! Owns only the arithmetic; knows nothing about the front end.

use std::ops::{Add, Mul, Neg, Sub};

/// Number of local unknowns of the front end (see `device.rs`).
pub(super) const N: usize = 8;

/// f and ∂f/∂y_local.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Lin {
    pub v: f64,
    pub d: [f64; N],
}

impl Lin {
    pub fn constant(v: f64) -> Self {
        Lin { v, d: [0.0; N] }
    }

    /// Local unknown `k` with value `v`.
    pub fn var(k: usize, v: f64) -> Self {
        let mut d = [0.0; N];
        d[k] = 1.0;
        Lin { v, d }
    }

    /// g(self) given g and g′ at self.v (the chain rule).
    pub fn map(self, g: f64, dg: f64) -> Self {
        Lin {
            v: g,
            d: self.d.map(|x| dg * x),
        }
    }

    pub fn sin(self) -> Self {
        self.map(self.v.sin(), self.v.cos())
    }

    pub fn cos(self) -> Self {
        self.map(self.v.cos(), -self.v.sin())
    }

    /// a·x + b·y for two linear forms with the value a·x.v + b·y.v.
    pub fn combine(a: f64, x: Lin, b: f64, y: Lin) -> Self {
        let mut d = [0.0; N];
        for (k, out) in d.iter_mut().enumerate() {
            *out = a * x.d[k] + b * y.d[k];
        }
        Lin {
            v: a * x.v + b * y.v,
            d,
        }
    }
}

impl Add for Lin {
    type Output = Lin;
    fn add(self, o: Lin) -> Lin {
        Lin::combine(1.0, self, 1.0, o)
    }
}

impl Sub for Lin {
    type Output = Lin;
    fn sub(self, o: Lin) -> Lin {
        Lin::combine(1.0, self, -1.0, o)
    }
}

impl Neg for Lin {
    type Output = Lin;
    fn neg(self) -> Lin {
        self * -1.0
    }
}

impl Mul<f64> for Lin {
    type Output = Lin;
    fn mul(self, k: f64) -> Lin {
        Lin {
            v: self.v * k,
            d: self.d.map(|x| x * k),
        }
    }
}

impl Mul for Lin {
    type Output = Lin;
    fn mul(self, o: Lin) -> Lin {
        Lin::combine(o.v, self, self.v, o).with_value(self.v * o.v)
    }
}

impl Lin {
    pub fn with_value(mut self, v: f64) -> Self {
        self.v = v;
        self
    }
}
