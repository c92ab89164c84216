//! National (SM) cryptography behind a small trait, so a certified crypto device (GM/T 0018 SDF)
//! can replace the software implementation later without touching callers.
//!
//! - SM3 (GB/T 32905) and HMAC-SM3: audit chain, token and session-id hashing.
//! - SM4-GCM (GB/T 32907 block cipher in GCM mode, RFC 8998): sensitive fields at rest.
//!
//! Keys live in one file outside the database (mode 0600), generated on first start. The
//! database stores a key check value, so a missing or wrong key file stops the server instead of
//! silently starting a new audit chain or producing unreadable data.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use aes_gcm::{
    AesGcm,
    aead::{Aead, KeyInit, Payload, consts::U12},
};
use anyhow::{Context, bail};
use hmac::{Hmac, Mac};
use sm3::{Digest, Sm3};
use zeroize::Zeroizing;

type HmacSm3 = Hmac<Sm3>;
type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

/// Cryptographic operations the application needs. The software provider below implements it
/// with RustCrypto crates; a hardware provider would implement the same trait.
pub trait CryptoProvider: Send + Sync + std::fmt::Debug {
    /// HMAC-SM3 under the audit key.
    fn audit_mac(&self, data: &[u8]) -> [u8; 32];
    /// SM4-GCM encryption under the data key; `aad` binds the ciphertext to its place.
    fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8>;
    fn open(&self, sealed: &[u8], aad: &[u8]) -> anyhow::Result<Vec<u8>>;
    /// A value stored in the database to recognise the key file at the next start.
    fn key_check(&self) -> String;
}

/// SM3 digest, hex encoded.
pub fn sm3_hex(data: &[u8]) -> String {
    hex::encode(Sm3::digest(data))
}

/// `n` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the operating system provides random numbers");
    b
}

/// A random token in URL-safe base64 without padding (`bytes` of entropy).
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).expect("the operating system provides random numbers");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// A code people can read aloud and type: groups of 4 from an alphabet without 0/O/1/I/L.
pub fn human_code(groups: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut out = String::new();
    for g in 0..groups {
        if g > 0 {
            out.push('-');
        }
        for _ in 0..4 {
            // Rejection sampling keeps the choice uniform.
            loop {
                let [b] = random_bytes::<1>();
                if (b as usize) < 256 - (256 % ALPHABET.len()) {
                    out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
                    break;
                }
            }
        }
    }
    out
}

/// A password that satisfies the password policy: used for one-time initial passwords.
pub fn one_time_password() -> String {
    const LOWER: &[u8] = b"abcdefghjkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    let pick = |set: &[u8]| loop {
        let [b] = random_bytes::<1>();
        if (b as usize) < 256 - (256 % set.len()) {
            return set[b as usize % set.len()] as char;
        }
    };
    let mut s = String::new();
    for i in 0..14 {
        s.push(match i % 3 {
            0 => pick(UPPER),
            1 => pick(LOWER),
            _ => pick(DIGIT),
        });
    }
    s
}

/// Keys loaded from the key file.
pub struct SoftwareCrypto {
    audit_key: Zeroizing<[u8; 32]>,
    data_key: Zeroizing<[u8; 16]>,
}

impl std::fmt::Debug for SoftwareCrypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SoftwareCrypto(keys hidden)")
    }
}

const KEY_FILE_HEADER: &str = "# Qinglian key file. Keep a copy with every backup: without it the audit chain cannot be\n# verified and encrypted fields cannot be read. Never commit it, never e-mail it.\n";

impl SoftwareCrypto {
    pub fn from_keys(audit_key: [u8; 32], data_key: [u8; 16]) -> Self {
        Self { audit_key: Zeroizing::new(audit_key), data_key: Zeroizing::new(data_key) }
    }

    pub fn generate() -> Self {
        Self::from_keys(random_bytes(), random_bytes())
    }

    /// Read the key file. `Ok(None)` when it does not exist.
    pub fn load(path: &Path) -> anyhow::Result<Option<Self>> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => Zeroizing::new(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("无法读取密钥文件 {}", path.display())),
        };
        let mut audit = None;
        let mut data = None;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let Some((k, v)) = line.split_once('=') else {
                bail!("密钥文件 {} 格式错误", path.display());
            };
            let bytes =
                Zeroizing::new(hex::decode(v.trim()).with_context(|| format!("密钥文件 {} 格式错误", path.display()))?);
            match k.trim() {
                "audit_hmac_sm3" => audit = Some(<[u8; 32]>::try_from(bytes.as_slice())?),
                "data_sm4" => data = Some(<[u8; 16]>::try_from(bytes.as_slice())?),
                _ => bail!("密钥文件 {} 含有未知条目 {}", path.display(), k.trim()),
            }
        }
        match (audit, data) {
            (Some(a), Some(d)) => Ok(Some(Self::from_keys(a, d))),
            _ => bail!("密钥文件 {} 不完整", path.display()),
        }
    }

    /// Write a new key file with mode 0600. Refuses to overwrite an existing file.
    pub fn write_new(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(path).with_context(|| format!("无法创建密钥文件 {}", path.display()))?;
        let body = Zeroizing::new(format!(
            "{KEY_FILE_HEADER}audit_hmac_sm3 = {}\ndata_sm4 = {}\n",
            hex::encode(*self.audit_key),
            hex::encode(*self.data_key)
        ));
        f.write_all(body.as_bytes())?;
        f.sync_all()?;
        Ok(())
    }
}

impl CryptoProvider for SoftwareCrypto {
    fn audit_mac(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = <HmacSm3 as KeyInit>::new_from_slice(&*self.audit_key).expect("HMAC takes any key length");
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let cipher = Sm4Gcm::new_from_slice(&*self.data_key).expect("SM4 key is 16 bytes");
        let nonce: [u8; 12] = random_bytes();
        let ct = cipher
            .encrypt((&nonce).into(), Payload { msg: plaintext, aad })
            .expect("SM4-GCM encryption cannot fail for in-memory data");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        out
    }

    fn open(&self, sealed: &[u8], aad: &[u8]) -> anyhow::Result<Vec<u8>> {
        if sealed.len() < 12 + 16 {
            bail!("密文长度不正确");
        }
        let cipher = Sm4Gcm::new_from_slice(&*self.data_key).expect("SM4 key is 16 bytes");
        let (nonce, ct) = sealed.split_at(12);
        cipher
            .decrypt(
                &aes_gcm::Nonce::<U12>::try_from(nonce).map_err(|_| anyhow::anyhow!("密文长度不正确"))?,
                Payload { msg: ct, aad },
            )
            .map_err(|_| anyhow::anyhow!("密文完整性校验失败"))
    }

    fn key_check(&self) -> String {
        let a = hex::encode(self.audit_mac(b"qinglian key check v1"));
        let mut mac = <HmacSm3 as KeyInit>::new_from_slice(&*self.data_key).expect("HMAC takes any key length");
        mac.update(b"qinglian key check v1");
        let d = hex::encode(mac.finalize().into_bytes());
        format!("{}:{}", &a[..16], &d[..16])
    }
}

/// Where the key file is, and whether it was just created.
#[derive(Debug)]
pub struct LoadedKeys {
    pub crypto: SoftwareCrypto,
    pub path: PathBuf,
    pub created: bool,
}

/// Load the key file, or create one when `may_create` (a database that has never held data).
pub fn load_or_create(path: &Path, may_create: bool) -> anyhow::Result<LoadedKeys> {
    match SoftwareCrypto::load(path)? {
        Some(crypto) => Ok(LoadedKeys { crypto, path: path.to_path_buf(), created: false }),
        None if may_create => {
            let crypto = SoftwareCrypto::generate();
            crypto.write_new(path)?;
            Ok(LoadedKeys { crypto, path: path.to_path_buf(), created: true })
        }
        None => bail!(
            "找不到密钥文件 {}。数据库中已有数据，不能生成新密钥（否则审计链无法校验）。请从备份中恢复密钥文件，或用 --key-file / QINGLIAN_KEY_FILE 指定其位置。",
            path.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_known_answer_gbt_32905() {
        assert_eq!(sm3_hex(b"abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    #[test]
    fn sm4_block_known_answer_gbt_32907() {
        use sm4::cipher::{BlockCipherEncrypt, KeyInit as _};
        let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let c = sm4::Sm4::new_from_slice(&key).unwrap();
        let mut block = sm4::cipher::Array::try_from(key.as_slice()).unwrap();
        c.encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn seal_and_open_round_trip_and_bind_aad() {
        let c = SoftwareCrypto::generate();
        let sealed = c.seal("身份证号 110101199001011234".as_bytes(), b"people:id_no:1");
        assert_eq!(c.open(&sealed, b"people:id_no:1").unwrap(), "身份证号 110101199001011234".as_bytes());
        // The same ciphertext moved to another row must not open.
        assert!(c.open(&sealed, b"people:id_no:2").is_err());
        let mut flipped = sealed.clone();
        flipped[20] ^= 1;
        assert!(c.open(&flipped, b"people:id_no:1").is_err());
    }

    #[test]
    fn key_file_round_trips_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/q.key");
        let k = load_or_create(&path, true).unwrap();
        assert!(k.created);
        let again = load_or_create(&path, false).unwrap();
        assert_eq!(k.crypto.key_check(), again.crypto.key_check());
        assert!(SoftwareCrypto::generate().write_new(&path).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_missing_key_is_refused_when_data_exists() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_or_create(&dir.path().join("none.key"), false).unwrap_err();
        assert!(err.to_string().contains("找不到密钥文件"));
    }

    #[test]
    fn one_time_passwords_are_distinct_and_strong() {
        let a = one_time_password();
        let b = one_time_password();
        assert_ne!(a, b);
        assert_eq!(a.len(), 14);
        assert!(a.chars().any(|c| c.is_ascii_uppercase()));
        assert!(a.chars().any(|c| c.is_ascii_lowercase()));
        assert!(a.chars().any(|c| c.is_ascii_digit()));
    }
}
