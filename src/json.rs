//! Parsing with limits and path-precise errors.
