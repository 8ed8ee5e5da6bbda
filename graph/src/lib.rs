//! The transition graph model shared by the policy engine (producer) and the transition engine (consumer).
