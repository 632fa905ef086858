//! User names and passwords inside connection URIs
//! (`scheme://user:password@host`). A password may hold any character the
//! API takes (`@`, `:`, `/`, `%`, spaces, ...), so in a URI it is
//! percent-encoded, and read back decoded.

/// Percent-encodes every byte but RFC 3986's unreserved characters.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes; anything else, and a malformed escape, is kept
/// as it is.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| text.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                index += 3;
            }
            None => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_password_survives_a_uri_and_plain_ones_are_unchanged() {
        for password in ["Test$1234abc", "p@ss:w/rd %20 ö", "AVNS_abc-123_x"] {
            let encoded = encode(password);
            assert!(
                !encoded.contains([':', '@', '/', ' ']),
                "nothing that ends the userinfo: {encoded}"
            );
            assert_eq!(decode(&encoded), password);
        }
        assert_eq!(encode("plain-password_1"), "plain-password_1");
        assert_eq!(decode("100%"), "100%", "a malformed escape is kept");
    }
}
