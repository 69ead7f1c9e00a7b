//! Event ids for providers that send none.
