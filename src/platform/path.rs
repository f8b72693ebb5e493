//! The one URL path-segment encoder every backend uses: RFC 3986 unreserved characters
//! (`A-Z a-z 0-9 - . _ ~`) are kept, everything else is percent-encoded (so `/` is `%2F` and a
//! space `%20`, never `+`).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `text` as one path segment.
pub fn segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_kept_the_rest_encoded() {
        assert_eq!(segment("edge-a_eth1.~"), "edge-a_eth1.~");
        assert_eq!(segment("1/0/1"), "1%2F0%2F1");
        assert_eq!(segment("a b+c"), "a%20b%2Bc");
        assert_eq!(segment("ü"), "%C3%BC");
    }
}
