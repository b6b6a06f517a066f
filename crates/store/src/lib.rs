//! The `Store` trait and its sled implementation.
//!
//! Nothing is stored yet: the stateless dialect (issue 3) keeps no state. The trait, the sled backend
//! and the generic test suite arrive with issue 4 ("The store and 1:N face search").
