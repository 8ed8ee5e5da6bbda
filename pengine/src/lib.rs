//! The policy engine: a pure function from a CIB and a time to a transition graph and its scores.
