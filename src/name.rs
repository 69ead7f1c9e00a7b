//! Enums named once, in their `as_str`: written under that name and read back from it.

/// `From<T> for &'static str` for each enum `T`, so that serde writes it as its name
/// (`serde(into = "&str")`).
macro_rules! into_name {
    ($($ty:ty),*) => {$(
        impl From<$ty> for &'static str {
            fn from(value: $ty) -> Self {
                value.as_str()
            }
        }
    )*};
}

/// `FromStr` for an enum with `ALL` and `as_str`: exactly the name `as_str` writes, else the
/// unit error `$err`, declared here with its docs and `$text` as its message.
macro_rules! from_name {
    ($ty:ty, $(#[$doc:meta])* $err:ident, $text:literal) => {
        impl core::str::FromStr for $ty {
            type Err = $err;

            fn from_str(name: &str) -> Result<Self, $err> {
                Self::ALL
                    .into_iter()
                    .find(|value| value.as_str() == name)
                    .ok_or($err)
            }
        }

        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $err;

        impl core::fmt::Display for $err {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str($text)
            }
        }

        impl core::error::Error for $err {}
    };
}
