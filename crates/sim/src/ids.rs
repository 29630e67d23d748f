//! Salesforce record ids: 15 case-sensitive characters plus a 3-character checksum suffix.
//!
//! Clients compare and store 18-character ids, and some validate the suffix, so every id the
//! simulator hands out is a valid 18-character id with a realistic key prefix.

const CHECKSUM_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Appends the case checksum to a 15-character id.
pub(crate) fn to_18(id15: &str) -> String {
    let bytes = id15.as_bytes();
    let mut out = String::with_capacity(18);
    out.push_str(id15);
    for chunk in bytes.chunks(5) {
        let mut bits = 0usize;
        for (i, byte) in chunk.iter().enumerate() {
            if byte.is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        out.push(char::from(CHECKSUM_ALPHABET[bits % 32]));
    }
    out
}

/// Normalises a 15- or 18-character id to 18 characters; `None` if it is not id-shaped.
pub(crate) fn normalize(id: &str) -> Option<String> {
    if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    match id.len() {
        15 => Some(to_18(id)),
        18 => {
            let expected = to_18(&id[..15]);
            (expected.eq_ignore_ascii_case(id)).then_some(expected)
        }
        _ => None,
    }
}

/// Builds the 18-character id number `n` of an org-unique sequence for a key prefix.
pub(crate) fn make(prefix: &str, pod: &str, n: u64) -> String {
    let mut digits = Vec::new();
    let mut rest = n;
    for _ in 0..(12 - pod.len()) {
        digits.push(BASE62[(rest % 62) as usize]);
        rest /= 62;
    }
    digits.reverse();
    let tail = String::from_utf8_lossy(&digits).into_owned();
    to_18(&format!("{prefix}{pod}{tail}"))
}

/// A random alphanumeric string, for tokens, consumer keys and locators.
pub(crate) fn random_string(len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(BASE62[rng.random_range(0..BASE62.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_known_checksums() {
        assert_eq!(to_18("001000000000000"), "001000000000000AAA");
        assert_eq!(to_18("00D000000000001"), "00D000000000001EAA");
        assert_eq!(
            normalize("001D000000IqhSL").as_deref(),
            Some("001D000000IqhSLIAZ")
        );
        assert_eq!(
            normalize("001D000000IqhSLIAZ").as_deref(),
            Some("001D000000IqhSLIAZ")
        );
    }

    #[test]
    fn makes_valid_ids() {
        let id = make("005", "Sm0", 61);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("005Sm0"));
        assert_eq!(normalize(&id), Some(id.clone()));
    }
}
