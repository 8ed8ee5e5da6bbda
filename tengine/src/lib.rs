//! The transition engine: executes a transition graph through the LRM.
