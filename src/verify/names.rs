//! Text of OIDs and distinguished names in reports. The text is exactly what `const_oid`'s
//! database and `x509-cert`'s `Display` for `Name` give; the names of the OIDs that JPKI
//! certificates and CMS signatures use are looked up in that database once per process
//! instead of by a scan of the whole database on every call.

use std::fmt::Write;
use std::sync::OnceLock;

use const_oid::db::{rfc4519, rfc5911};
use const_oid::ObjectIdentifier;
use der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::RdnSequence;

use const_oid::db::rfc5912::{
    ID_SHA_1 as ID_SHA1, ID_SHA_256 as ID_SHA256, ID_SHA_384 as ID_SHA384, ID_SHA_512 as ID_SHA512,
    RSA_ENCRYPTION, SHA_1_WITH_RSA_ENCRYPTION as SHA1_WITH_RSA,
    SHA_256_WITH_RSA_ENCRYPTION as SHA256_WITH_RSA, SHA_384_WITH_RSA_ENCRYPTION as SHA384_WITH_RSA,
    SHA_512_WITH_RSA_ENCRYPTION as SHA512_WITH_RSA,
};

/// OIDs whose names are kept: signature and digest algorithms, CMS content types and the
/// attribute types of certificate names.
const KEPT: [ObjectIdentifier; 23] = [
    SHA1_WITH_RSA,
    SHA256_WITH_RSA,
    SHA384_WITH_RSA,
    SHA512_WITH_RSA,
    RSA_ENCRYPTION,
    ID_SHA1,
    ID_SHA256,
    ID_SHA384,
    ID_SHA512,
    rfc5911::ID_DATA,
    rfc5911::ID_SIGNED_DATA,
    rfc4519::CN,
    rfc4519::C,
    rfc4519::L,
    rfc4519::ST,
    rfc4519::O,
    rfc4519::OU,
    rfc4519::SERIAL_NUMBER,
    rfc4519::STREET,
    rfc4519::TITLE,
    rfc4519::DC,
    rfc4519::UID,
    rfc4519::POSTAL_CODE,
];

/// One kept OID: its database name, and its attribute key as `Name`'s `Display` writes it
/// (the first of its shortest database names, in capitals).
struct Kept {
    oid: ObjectIdentifier,
    name: Option<&'static str>,
    key: Option<String>,
}

fn kept() -> &'static [Kept] {
    static TABLE: OnceLock<Vec<Kept>> = OnceLock::new();
    TABLE.get_or_init(|| {
        KEPT.iter()
            .map(|oid| Kept {
                oid: *oid,
                name: const_oid::db::DB.by_oid(oid),
                key: const_oid::db::DB
                    .find_names_for_oid(*oid)
                    .min_by_key(|n| n.len())
                    .map(str::to_ascii_uppercase),
            })
            .collect()
    })
}

fn find(oid: &ObjectIdentifier) -> Option<&'static Kept> {
    kept().iter().find(|k| k.oid == *oid)
}

/// Name of a known algorithm OID, else its dotted form.
pub fn oid_name(oid: &ObjectIdentifier) -> String {
    let name = match find(oid) {
        Some(k) => k.name,
        None => const_oid::db::DB.by_oid(oid),
    };
    name.map(str::to_string).unwrap_or_else(|| oid.to_string())
}

/// A distinguished name as text (RFC 4514 order and escaping), equal to `name.to_string()`.
pub fn name_text(name: &RdnSequence) -> String {
    let mut out = String::with_capacity(96);
    for (i, rdn) in name.0.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.0.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            write_atv(&mut out, atv);
        }
    }
    out
}

/// The string value of an attribute, for the string types `Name`'s `Display` writes as text.
fn string_value(atv: &AttributeTypeAndValue) -> Option<&str> {
    let v = &atv.value;
    match v.tag() {
        Tag::PrintableString => PrintableStringRef::try_from(v).ok().map(|s| s.as_str()),
        Tag::Utf8String => Utf8StringRef::try_from(v).ok().map(|s| s.as_str()),
        Tag::Ia5String => Ia5StringRef::try_from(v).ok().map(|s| s.as_str()),
        Tag::TeletexString => TeletexStringRef::try_from(v).ok().map(|s| s.as_str()),
        _ => None,
    }
}

fn write_atv(out: &mut String, atv: &AttributeTypeAndValue) {
    let (Some(key), Some(value)) =
        (find(&atv.oid).and_then(|k| k.key.as_deref()), string_value(atv))
    else {
        // Anything else (unknown type, binary value) as x509-cert writes it.
        let _ = write!(out, "{atv}");
        return;
    };
    out.push_str(key);
    out.push('=');
    let last = value.chars().count().saturating_sub(1);
    for (n, (i, c)) in value.char_indices().enumerate() {
        match c {
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || n == last => out.push_str("\\ "),
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\x00'..='\x1f' | '\x7f' => {
                let _ = write!(out, "\\{:02x}", c as u8);
            }
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use der::asn1::{Any, SetOfVec};
    use der::Decode;
    use x509_cert::name::RelativeDistinguishedName;

    use super::*;

    fn atv(oid: ObjectIdentifier, tag: Tag, value: &[u8]) -> AttributeTypeAndValue {
        AttributeTypeAndValue { oid, value: Any::new(tag, value).unwrap() }
    }

    #[test]
    fn names_read_as_x509_cert_writes_them() {
        let mut names: Vec<RdnSequence> = [
            "CN=Japan Agency for Local Authority Information Systems,OU=JPKI,O=JPKI,C=JP",
            "CN=hash\\#x,O=a\\,b+OU=lead,C=JP",
            "CN=quote\\\"<less>;semi\\\\back,L=Chiyoda-ku,ST=Tokyo",
            "UID=x,DC=example,DC=org,STREET=1-2-3,TITLE=t,POSTALCODE=100",
            "SERIALNUMBER=123,CN=日本語 名前,C=JP",
        ]
        .iter()
        .map(|s| RdnSequence::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}")))
        .collect();
        // Types and values outside the kept table or string types: the fallback.
        let mixed = RdnSequence(vec![
            RelativeDistinguishedName(
                SetOfVec::try_from(vec![
                    atv(rfc4519::CN, Tag::PrintableString, b" printable "),
                    atv(rfc4519::OU, Tag::Utf8String, "#hash, ünïcode ".as_bytes()),
                    atv(rfc4519::O, Tag::Ia5String, b"ia5\x01ctl\x7f"),
                ])
                .unwrap(),
            ),
            RelativeDistinguishedName(
                SetOfVec::try_from(vec![atv(rfc4519::L, Tag::TeletexString, b"teletex")]).unwrap(),
            ),
            RelativeDistinguishedName(
                SetOfVec::try_from(vec![atv(
                    ObjectIdentifier::new_unwrap("1.2.3.4"),
                    Tag::Utf8String,
                    b"unknown type",
                )])
                .unwrap(),
            ),
            RelativeDistinguishedName(
                SetOfVec::try_from(vec![atv(rfc4519::CN, Tag::OctetString, b"\x01\x02")]).unwrap(),
            ),
            RelativeDistinguishedName(
                SetOfVec::try_from(vec![atv(rfc4519::C, Tag::Utf8String, b" ")]).unwrap(),
            ),
        ]);
        names.push(RdnSequence::default());
        names.push(mixed);
        for root in
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/roots/production")).unwrap()
        {
            let der = std::fs::read(root.unwrap().path()).unwrap();
            let cert = x509_cert::Certificate::from_der(&der).unwrap();
            names.push(cert.tbs_certificate.subject.clone());
        }
        for n in &names {
            assert_eq!(name_text(n), n.to_string());
        }
        let mixed = name_text(&names[names.len() - 7]);
        assert!(mixed.contains("OU=\\#hash\\, ünïcode\\ "), "{mixed}");
    }

    #[test]
    fn oid_names_as_the_database_gives_them() {
        for oid in KEPT.iter().chain([ObjectIdentifier::new_unwrap("1.2.3.4")].iter()) {
            let expected = const_oid::db::DB
                .by_oid(oid)
                .map(str::to_string)
                .unwrap_or_else(|| oid.to_string());
            assert_eq!(oid_name(oid), expected);
        }
        assert_eq!(oid_name(&SHA256_WITH_RSA), "sha256WithRSAEncryption");
        assert_eq!(oid_name(&ObjectIdentifier::new_unwrap("1.2.3.4")), "1.2.3.4");
    }
}
