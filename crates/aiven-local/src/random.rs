//! Secrets from the kernel's randomness source (getrandom): session and
//! CSRF tokens, generated passwords, and the IDs the API gives objects.
//! Never a seeded generator, whose output a local user who knows the
//! start time could replay.

/// Fills `bytes` from the kernel's randomness source.
pub fn fill_random(bytes: &mut [u8]) {
    let mut filled = 0;
    while filled < bytes.len() {
        match rustix::rand::getrandom(&mut bytes[filled..], rustix::rand::GetRandomFlags::empty()) {
            Ok(n) => filled += n,
            Err(rustix::io::Errno::INTR) => {}
            Err(err) => panic!("the kernel's randomness source failed: {err}"),
        }
    }
}

/// 32 random letters and digits from the kernel's randomness source.
pub fn random_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    // 62 letters: the rejection-free modulo bias here is under 4 %, and
    // 32 characters keep well over 180 bits either way.
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// A random UUID (version 4), the form the API gives its objects' IDs.
pub fn uuid_v4() -> String {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
