//! A verification report ([`VerifyReport`]) as a person reads it, in the language in force
//! ([`super::i18n`]): the verdict, the signature, the certificate, the anchor, the holder,
//! revocation, each check and each failure with its reason. `--json` prints the library's JSON
//! instead, whose words never change with the language. Each [`Failure`] variant has its own
//! message (the `match` is exhaustive).

use mynacard::verify::profile::CertKind;
use mynacard::verify::result::bounded;
use mynacard::verify::result::{Failure, Role, Verdict, VerifyReport};
use mynacard::verify::RevocationOutcome;

use super::messages::Msg;

/// The verdict word (`VALID`, `有効`, …).
pub fn verdict(v: Verdict) -> String {
    match v {
        Verdict::Valid => t!("verdict-valid"),
        Verdict::Invalid => t!("verdict-invalid"),
        Verdict::RevocationUnknown => t!("verdict-revocation-unknown"),
    }
}

fn role(r: Role) -> String {
    match r {
        Role::EndEntity => t!("role-end-entity"),
        Role::Anchor => t!("role-anchor"),
    }
}

fn kind(k: CertKind) -> String {
    match k {
        CertKind::Signature => t!("kind-signature"),
        CertKind::Authentication => t!("kind-authentication"),
    }
}

fn list(v: &[String]) -> String {
    format!("{v:?}")
}

/// A failure's reason as its message.
pub fn failure(f: &Failure) -> Msg {
    match f {
        Failure::UntrustedIssuer { issuer, key_id } => {
            msg!("fail-untrusted-issuer", issuer = issuer.clone(), key_id = key_id.clone())
        }
        Failure::BadSignature { what } => msg!("fail-bad-signature", what = what.clone()),
        Failure::UnsupportedAlgorithm { what, oid } => {
            msg!("fail-unsupported-algorithm", what = what.clone(), oid = oid.clone())
        }
        Failure::AlgorithmMismatch { outer, inner } => {
            msg!("fail-algorithm-mismatch", outer = outer.clone(), inner = inner.clone())
        }
        Failure::UnusableKey { role: r, why } => {
            msg!("fail-unusable-key", role = role(*r), why = why.clone())
        }
        Failure::Expired { role: r, not_after, at } => msg!(
            "fail-expired",
            role = role(*r),
            not_after = not_after.to_string(),
            at = at.to_string()
        ),
        Failure::NotYetValid { role: r, not_before, at } => msg!(
            "fail-not-yet-valid",
            role = role(*r),
            not_before = not_before.to_string(),
            at = at.to_string()
        ),
        Failure::AnchorNotCa => msg!("fail-anchor-not-ca"),
        Failure::EndEntityIsCa => msg!("fail-end-entity-is-ca"),
        Failure::UnknownCriticalExtension { oid } => {
            msg!("fail-unknown-critical-extension", oid = oid.clone())
        }
        Failure::DuplicateExtension { oid } => msg!("fail-duplicate-extension", oid = oid.clone()),
        Failure::MalformedExtension { oid, why } => {
            msg!("fail-malformed-extension", oid = oid.clone(), why = why.clone())
        }
        Failure::WrongKeyUsage { kind: k, found, expected } => msg!(
            "fail-wrong-key-usage",
            kind = kind(*k),
            found = list(found),
            expected = list(expected)
        ),
        Failure::MissingClientAuth { found } => {
            msg!("fail-missing-client-auth", found = list(found))
        }
        Failure::WrongPolicy { found, expected } => {
            msg!("fail-wrong-policy", found = list(found), expected = expected.clone())
        }
        Failure::UnknownKind => msg!("fail-unknown-kind"),
        Failure::NoSigningTime => msg!("fail-no-signing-time"),
        Failure::MessageDigestMismatch => msg!("fail-message-digest-mismatch"),
        Failure::ContentTypeMismatch { found, expected } => {
            msg!("fail-content-type-mismatch", found = found.clone(), expected = expected.clone())
        }
        Failure::BadSignedAttribute { name } => {
            msg!("fail-bad-signed-attribute", name = name.clone())
        }
        Failure::SignerCertificateNotFound => msg!("fail-signer-not-found"),
        Failure::SigningCertificateMismatch => msg!("fail-signing-certificate-mismatch"),
        Failure::IssuerNameMismatch { issuer, anchor } => {
            msg!("fail-issuer-name-mismatch", issuer = issuer.clone(), anchor = anchor.clone())
        }
        Failure::WrongVersion { version, why } => {
            msg!("fail-wrong-version", version = version.clone(), why = why.clone())
        }
        Failure::NegativeSerial { serial } => msg!("fail-negative-serial", serial = serial.clone()),
        Failure::GivenCertificateNotSigner { given, signer } => {
            msg!("fail-given-not-signer", given = given.clone(), signer = signer.clone())
        }
        Failure::AttachedContentDiffers => msg!("fail-attached-content-differs"),
    }
}

/// A revocation outcome in one phrase (`not revoked (CRL …)`).
pub fn revocation_outcome(o: &RevocationOutcome) -> String {
    match o {
        RevocationOutcome::Good { source, .. } => t!("outcome-good", source = source.clone()),
        RevocationOutcome::Revoked { reason: Some(r), source, .. } => {
            t!("outcome-revoked-reason", reason = r.clone(), source = source.clone())
        }
        RevocationOutcome::Revoked { reason: None, source, .. } => {
            t!("outcome-revoked", source = source.clone())
        }
        RevocationOutcome::Unknown { why } => t!("outcome-unknown", why = why.clone()),
        RevocationOutcome::NotChecked => t!("outcome-not-checked"),
    }
}

/// The whole report as text lines.
pub fn report(r: &VerifyReport) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(t!("report-verdict", verdict = verdict(r.verdict)));
    match &r.judgement_time {
        Some(t) => line(t!("report-judged-at", time = t.to_string(), basis = r.judgement_basis)),
        None => line(t!("report-judged-unknown", basis = r.judgement_basis)),
    }
    if let Some(s) = &r.signature {
        let ok = if s.ok { t!("report-ok") } else { t!("report-bad") };
        line(t!(
            "report-signature",
            format = s.format,
            ok = ok,
            hash = s.hash.clone(),
            algorithm = s.signature_algorithm.clone()
        ));
        if let Some(t) = &s.signing_time {
            line(format!("  {}", t!("report-signing-time", time = t.to_string())));
        }
    }
    if let Some(c) = &r.certificate {
        line(t!("report-certificate", subject = c.subject.clone()));
        line(format!("  {}", t!("report-issuer", issuer = c.issuer.clone())));
        line(format!(
            "  {}",
            t!("report-valid", from = c.not_before.to_string(), until = c.not_after.to_string())
        ));
        line(format!("  sha256: {}", c.sha256));
    }
    if let Some(k) = &r.kind {
        line(t!("report-kind", kind = kind(*k)));
    }
    match &r.anchor {
        Some(a) => line(t!(
            "report-anchor",
            subject = a.subject.clone(),
            label = a.label.to_string(),
            sha256 = a.sha256.clone(),
            matched_by = a.matched_by.to_string()
        )),
        None => line(t!("report-anchor-none")),
    }
    if let Some(h) = &r.holder {
        out.push_str(&super::render::holder_text(h));
    }
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    let rev = match &r.revocation.outcome {
        RevocationOutcome::Good { source, .. } => t!("rev-good", source = source.clone()),
        RevocationOutcome::Revoked { time, source, .. } => {
            t!("rev-revoked", time = time.to_string(), source = source.clone())
        }
        RevocationOutcome::Unknown { why } => t!("rev-unknown", why = why.clone()),
        RevocationOutcome::NotChecked => t!("rev-not-checked"),
    };
    let policy = format!("{:?}", r.revocation.policy);
    line(t!("report-revocation", outcome = rev, policy = policy));
    for c in &r.checks {
        let ok = if c.ok { t!("report-ok") } else { t!("report-fail") };
        line(format!("  [{ok}] {}", c.name));
    }
    for f in &r.failures {
        line(t!("report-failure", why = failure(f).text()));
    }
    for w in &r.warnings {
        line(t!("cert-warning", value = warning(w)));
    }
    out
}

/// A verification warning in words.
pub fn warning(w: &mynacard::verify::Warning) -> String {
    use mynacard::verify::Warning as W;
    match w {
        W::CertificateAlgorithm { algorithm } => {
            t!("warn-certificate-algorithm", algorithm = bounded(algorithm))
        }
        W::HolderData { why } => t!("warn-holder-data", why = bounded(why)),
        W::RevocationOff => t!("warn-revocation-off"),
        W::RevocationUnknownSoftFail { why } => {
            t!("warn-revocation-unknown-soft-fail", why = bounded(why))
        }
        W::RevocationNotCheckedSoftFail => t!("warn-revocation-not-checked-soft-fail"),
        W::DataSha1 => t!("warn-data-sha1"),
    }
}

/// A PDF's signatures in the language in force (`mynacard verify FILE.pdf`): the library's
/// [`mynacard::pdf::PdfReport`] decides, this renders it, each word through the catalogues.
pub fn pdf_report(r: &mynacard::pdf::PdfReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        t!("pdf-summary", signatures = r.signatures.len(), revisions = r.revisions)
    );
    for (i, s) in r.signatures.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}",
            t!(
                "pdf-signature",
                n = i + 1,
                field = bounded(&s.field),
                subfilter = bounded(&s.subfilter),
                verdict = pdf_verdict(s.verdict)
            )
        );
        let whole = if s.covers_whole_file { t!("pdf-whole-file") } else { String::new() };
        let _ = writeln!(
            out,
            "  {}",
            t!("pdf-signed-revision", revision = s.revision, of = r.revisions, whole = whole)
        );
        if let Some(time) = &s.claimed_time {
            let _ = writeln!(out, "  {}", t!("pdf-claimed-time", time = bounded(time)));
        }
        for p in &s.problems {
            let _ = writeln!(out, "  {}", t!("pdf-problem", problem = pdf_problem(p)));
        }
        for c in &s.changes {
            let _ = writeln!(out, "  {}", t!("pdf-changed", change = pdf_change(*c)));
        }
        if let Some(cms) = &s.cms {
            for line in report(cms).lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    if let Some(d) = &r.dss {
        let _ = writeln!(
            out,
            "{}",
            t!(
                "pdf-dss",
                certs = d.certificates,
                crls = d.crls,
                ocsps = d.ocsp_responses,
                vri = d.vri
            )
        );
    }
    let _ = writeln!(out, "{}", t!("pdf-overall", verdict = pdf_verdict(r.verdict())));
    out
}

/// A PDF verdict in words.
pub fn pdf_verdict(v: mynacard::pdf::PdfVerdict) -> String {
    use mynacard::pdf::PdfVerdict as V;
    match v {
        V::Valid => t!("pdf-verdict-valid"),
        V::Modified => t!("pdf-verdict-modified"),
        V::RevocationUnknown => t!("pdf-verdict-revocation-unknown"),
        V::Invalid => t!("pdf-verdict-invalid"),
    }
}

/// A kind of change made after a signature, in words.
pub fn pdf_change(c: mynacard::pdf::Change) -> String {
    use mynacard::pdf::Change as C;
    match c {
        C::Signature => t!("pdf-change-signature"),
        C::Dss => t!("pdf-change-dss"),
        C::Annotations => t!("pdf-change-annotations"),
        C::Forms => t!("pdf-change-forms"),
        C::Metadata => t!("pdf-change-metadata"),
        C::Content => t!("pdf-change-content"),
        C::TrailingData => t!("pdf-change-trailing-data"),
    }
}

/// A structural failure of a PDF signature, in words (the detail from a parser stays as the
/// library wrote it).
pub fn pdf_problem(p: &mynacard::pdf::Problem) -> String {
    use mynacard::pdf::Problem as P;
    match p {
        P::NoByteRange => t!("pdf-problem-no-byte-range"),
        P::NoContents => t!("pdf-problem-no-contents"),
        P::ByteRangeStart => t!("pdf-problem-byte-range-start"),
        P::ByteRangeOrder => t!("pdf-problem-byte-range-order"),
        P::GapNotContents => t!("pdf-problem-gap-not-contents"),
        P::NotRevisionEnd { end } => t!("pdf-problem-not-revision-end", end = *end),
        P::ContentsNotCms { why } => t!("pdf-problem-contents-not-cms", why = bounded(why)),
        P::ContentsTrailing => t!("pdf-problem-contents-trailing"),
        P::SubFilter { name } => t!("pdf-problem-subfilter", name = bounded(name)),
        P::Cms { why } => t!("pdf-problem-cms", why = bounded(why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::i18n::{try_tr, Lang};
    use mynacard::verify::result::Timestamp;

    fn every_failure() -> Vec<Failure> {
        let s = || "x".to_string();
        let t = || Timestamp(std::time::SystemTime::UNIX_EPOCH);
        vec![
            Failure::UntrustedIssuer { issuer: s(), key_id: s() },
            Failure::BadSignature { what: s() },
            Failure::UnsupportedAlgorithm { what: s(), oid: s() },
            Failure::AlgorithmMismatch { outer: s(), inner: s() },
            Failure::UnusableKey { role: Role::EndEntity, why: s() },
            Failure::Expired { role: Role::Anchor, not_after: t(), at: t() },
            Failure::NotYetValid { role: Role::EndEntity, not_before: t(), at: t() },
            Failure::AnchorNotCa,
            Failure::EndEntityIsCa,
            Failure::UnknownCriticalExtension { oid: s() },
            Failure::DuplicateExtension { oid: s() },
            Failure::MalformedExtension { oid: s(), why: s() },
            Failure::WrongKeyUsage { kind: CertKind::Signature, found: vec![], expected: vec![] },
            Failure::MissingClientAuth { found: vec![] },
            Failure::WrongPolicy { found: vec![], expected: s() },
            Failure::UnknownKind,
            Failure::NoSigningTime,
            Failure::MessageDigestMismatch,
            Failure::ContentTypeMismatch { found: s(), expected: s() },
            Failure::BadSignedAttribute { name: s() },
            Failure::SignerCertificateNotFound,
            Failure::SigningCertificateMismatch,
            Failure::IssuerNameMismatch { issuer: s(), anchor: s() },
            Failure::WrongVersion { version: s(), why: s() },
            Failure::NegativeSerial { serial: s() },
            Failure::GivenCertificateNotSigner { given: s(), signer: s() },
            Failure::AttachedContentDiffers,
        ]
    }

    #[test]
    fn every_failure_renders_in_japanese_and_in_english_as_the_library_says() {
        for f in every_failure() {
            let m = failure(&f);
            let ja = try_tr(Lang::Ja, m.key, &m.args).unwrap_or_else(|e| panic!("{e:?}"));
            let en = try_tr(Lang::En, m.key, &m.args).unwrap_or_else(|e| panic!("{e:?}"));
            assert!(ja.chars().any(|c| c > '\u{3000}'), "{}: {ja}", m.key);
            assert_eq!(en, f.to_string(), "{}", m.key);
        }
    }

    #[test]
    fn verdict_words_differ_by_language_only_in_text() {
        use crate::cli::i18n::with_lang;
        assert_eq!(with_lang(Lang::En, || verdict(Verdict::Valid)), "VALID");
        assert_eq!(with_lang(Lang::Ja, || verdict(Verdict::Valid)), "有効");
        assert_eq!(with_lang(Lang::Ja, || verdict(Verdict::Invalid)), "無効");
    }

    /// Every warning, and every PDF verdict, change and problem, in Japanese without falling
    /// back to English, and in English exactly as the library writes the warning (JSON).
    #[test]
    fn warnings_and_pdf_words_render_in_both_languages() {
        use crate::cli::i18n::with_lang;
        use mynacard::pdf::{Change, PdfVerdict, Problem};
        use mynacard::verify::Warning as W;
        let s = || "x".to_string();
        let warnings = [
            W::CertificateAlgorithm { algorithm: s() },
            W::HolderData { why: s() },
            W::RevocationOff,
            W::RevocationUnknownSoftFail { why: s() },
            W::RevocationNotCheckedSoftFail,
            W::DataSha1,
        ];
        let japanese = |text: String| {
            assert!(
                text.chars()
                    .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}')),
                "{text}"
            );
        };
        for w in &warnings {
            japanese(with_lang(Lang::Ja, || warning(w)));
            assert_eq!(with_lang(Lang::En, || warning(w)), w.to_string());
        }
        for v in [
            PdfVerdict::Valid,
            PdfVerdict::Modified,
            PdfVerdict::RevocationUnknown,
            PdfVerdict::Invalid,
        ] {
            japanese(with_lang(Lang::Ja, || pdf_verdict(v)));
        }
        for c in [
            Change::Signature,
            Change::Dss,
            Change::Annotations,
            Change::Forms,
            Change::Metadata,
            Change::Content,
            Change::TrailingData,
        ] {
            japanese(with_lang(Lang::Ja, || pdf_change(c)));
            assert_eq!(with_lang(Lang::En, || pdf_change(c)), c.to_string());
        }
        let problems = [
            Problem::NoByteRange,
            Problem::NoContents,
            Problem::ByteRangeStart,
            Problem::ByteRangeOrder,
            Problem::GapNotContents,
            Problem::NotRevisionEnd { end: 7 },
            Problem::ContentsNotCms { why: s() },
            Problem::ContentsTrailing,
            Problem::SubFilter { name: s() },
            Problem::Cms { why: s() },
        ];
        for p in &problems {
            japanese(with_lang(Lang::Ja, || pdf_problem(p)));
            assert_eq!(with_lang(Lang::En, || pdf_problem(p)), p.to_string());
        }
    }
}
