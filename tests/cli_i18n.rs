//! The language of the command: `LANG=ja_JP.UTF-8 mynacard …` speaks Japanese (help, human
//! output of the main commands, errors and their fixes), `LANG=C` English, `--lang` wins over
//! the environment, `LC_ALL` over `LC_MESSAGES` over `LANG`; JSON and exit codes do not change
//! with the language. The catalogues themselves are tested in src/cli/i18n.rs.

mod common;

use assert_cmd::Command;
use common::cli::*;
use common::*;

/// `mynacard ARGS…` in the locale given by `vars` (nothing else of the caller's locale).
fn in_locale(vars: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = mynacard();
    cmd.env_remove("LC_ALL").env_remove("LC_MESSAGES").env_remove("LANG");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.args(args);
    cmd
}

const JA: &[(&str, &str)] = &[("LANG", "ja_JP.UTF-8")];
const C: &[(&str, &str)] = &[("LANG", "C")];

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn is_japanese(s: &str) -> bool {
    s.chars().any(|c| matches!(c, '\u{3040}'..='\u{30ff}'))
}

#[test]
fn help_is_japanese_under_ja_and_english_under_c() {
    let (code, ja, _) = run(&mut in_locale(JA, &["--help"]));
    assert_eq!(code, 0);
    assert!(ja.contains("使い方: mynacard"), "{ja}");
    assert!(ja.contains("コマンド:") && ja.contains("オプション:"), "{ja}");
    assert!(ja.contains("カードでファイルに電子署名する"), "{ja}");
    let (_, sign, _) = run(&mut in_locale(JA, &["sign", "--help"]));
    assert!(sign.contains("署名するファイル"), "{sign}");
    assert!(sign.contains("暗証番号"), "{sign}");
    assert!(!sign.contains("Options:"), "{sign}");
    let (code, en, _) = run(&mut in_locale(C, &["--help"]));
    assert_eq!(code, 0);
    assert!(en.contains("Usage: mynacard") && en.contains("Sign a file on the card"), "{en}");
    assert!(!is_japanese(&en), "{en}");
}

#[test]
fn status_and_pin_status_speak_japanese() {
    let (code, out, _) = run(&mut in_locale(JA, &["--reader", "sim", "status"]));
    assert_eq!(code, 0);
    assert!(out.contains("トークン: マイナンバーカード (JPKIAPICCTOKEN2)"), "{out}");
    assert!(out.contains("利用者証明用パスワード (暗証番号)：残り3回"), "{out}");
    assert!(out.contains("署名用パスワード：残り5回"), "{out}");
    assert!(out.contains("券面事項入力補助用暗証番号：残り3回"), "{out}");
    let (_, out, _) = run(&mut in_locale(JA, &["--reader", "sim", "pin", "status"]));
    assert!(out.contains("署名用パスワード [jpki 001B]：残り5回"), "{out}");
    let (_, out, _) = run(&mut in_locale(C, &["--reader", "sim", "status"]));
    assert!(out.contains("authentication PIN: 3 tries left"), "{out}");
}

#[test]
fn errors_and_their_fixes_speak_japanese_with_the_same_exit_code_and_json_words() {
    let (dir, doc) = workdir();
    let out = dir.path().join("doc.p7s");
    // A wrong signature password: exit 8 in both languages.
    let args = ["--reader", "sim", "sign", s(&doc), "-o", s(&out), "--pin-stdin"];
    let (code, _, err) = run(in_locale(JA, &args).write_stdin("WRONGPW1\n"));
    assert_eq!(code, 8);
    assert!(err.contains("署名用パスワードが違います: ロックまで残り4回です"), "{err}");
    let (code, _, err) = run(in_locale(C, &args).write_stdin("WRONGPW1\n"));
    assert_eq!(code, 8);
    assert!(err.contains("wrong signature password: 4 tries left"), "{err}");
    // The service is missing: the fix is Japanese too, and JSON keeps its machine words.
    let mut cmd = no_pcsc_service();
    cmd.env_remove("LC_ALL").env("LANG", "ja_JP.UTF-8").args(["--json", "status"]);
    let (code, stdout, err) = run(&mut cmd);
    assert_eq!(code, 3);
    assert!(
        err.contains("スマートカードのサービス (pcscd) が動いていません: 起動してください"),
        "{err}"
    );
    let v = json(stdout.as_bytes());
    assert_eq!(v["error"]["kind"], "no-service");
    assert_eq!(v["error"]["code"], 3);
    // A usage error raised by a command.
    let (code, _, err) =
        run(&mut in_locale(JA, &["--reader", "sim", "sign", s(&doc), "-o", s(&doc)]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "はすでにあります: -o で別のファイルを指定するか、--force で置き換えてください"
        ),
        "{err}"
    );
}

#[test]
fn the_environment_order_is_lc_all_then_lc_messages_then_lang_and_lang_option_wins() {
    let status = ["--reader", "sim", "status"];
    let ja = |vars: &[(&str, &str)], extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend(status);
        let (code, out, _) = run(&mut in_locale(vars, &args));
        assert_eq!(code, 0);
        is_japanese(&out)
    };
    assert!(ja(&[("LANG", "ja_JP.UTF-8")], &[]));
    assert!(!ja(&[("LANG", "C")], &[]));
    assert!(!ja(&[], &[]));
    assert!(ja(&[("LANG", "C"), ("LC_MESSAGES", "ja_JP.UTF-8")], &[]));
    assert!(!ja(&[("LANG", "ja_JP.UTF-8"), ("LC_MESSAGES", "C")], &[]));
    assert!(ja(&[("LC_MESSAGES", "C"), ("LC_ALL", "ja_JP.UTF-8")], &[]));
    assert!(!ja(&[("LANG", "ja_JP.UTF-8"), ("LC_ALL", "POSIX")], &[]));
    assert!(ja(&[("LANG", "C")], &["--lang", "ja"]));
    assert!(!ja(&[("LANG", "ja_JP.UTF-8")], &["--lang=en"]));
    // An unknown language is a usage error; a Japanese reader is told in Japanese.
    let (code, _, err) = run(&mut in_locale(C, &["--lang", "fr", "status"]));
    assert_eq!(code, 2);
    assert!(!is_japanese(&err), "{err}");
    let (code, _, err) = run(&mut in_locale(JA, &["status", "--no-such-option"]));
    assert_eq!(code, 2);
    assert!(err.starts_with("mynacard: 想定していない引数 --no-such-option があります"), "{err}");
}

#[test]
fn json_is_the_same_in_both_languages() {
    let json_of_lang = |vars: &[(&str, &str)]| {
        let (code, out, _) = run(&mut in_locale(vars, &["--reader", "sim", "--json", "status"]));
        assert_eq!(code, 0);
        json(out.as_bytes())
    };
    assert_eq!(json_of_lang(JA), json_of_lang(C));
}

#[test]
fn demo_transcript_and_cert_show_and_verify_speak_japanese() {
    let (code, out, _) = run(&mut in_locale(JA, &["demo"]));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("1. JPKI のアプリケーションを選択してカードを検出: マイナンバーカード"),
        "{out}"
    );
    assert!(out.contains("署名用パスワード：残り5回"), "{out}");
    assert!(out.contains("カードを失効させる CRL で:   無効"), "{out}");
    assert!(out.contains("デモ完了"), "{out}");
    let (code, out, _) = run(&mut in_locale(JA, &["cert", "show", &pki("sign-cert.der")]));
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("署名用電子証明書\n"), "{out}");
    assert!(out.contains("有効期限: 2035年5月15日 23:59:59 (日本時間)"), "{out}");
    assert!(out.contains("生年月日: 平成2年5月15日"), "{out}");
    // verify: the verdict word in text, the JSON verdict unchanged.
    let (dir, _) = workdir();
    let keep = dir.path().join("demo");
    let (code, _, _) = run(&mut in_locale(C, &["demo", "--out", s(&keep)]));
    assert_eq!(code, 0);
    let verify = |vars: &[(&str, &str)], json: bool| {
        let mut args = vec![];
        if json {
            args.push("--json");
        }
        let doc = keep.join("document.txt");
        let sig = keep.join("document.txt.p7s");
        let root = keep.join("sign-root.pem");
        args.extend([
            "verify",
            s(&doc),
            "--signature",
            s(&sig),
            "--trust-anchor",
            s(&root),
            "--revocation",
            "off",
        ]);
        run(&mut in_locale(vars, &args))
    };
    let (code, out, _) = verify(JA, false);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("判定: 有効"), "{out}");
    assert!(out.contains("注意: 失効は確認していません"), "{out}");
    let (_, ja_json, _) = verify(JA, true);
    let (_, c_json, _) = verify(C, true);
    assert_eq!(json(ja_json.as_bytes())["verdict"], "valid");
    assert_eq!(json(ja_json.as_bytes())["verdict"], json(c_json.as_bytes())["verdict"]);
}

#[test]
fn doctor_and_text_read_speak_japanese() {
    let (code, out, _) = run(&mut in_locale(JA, &["--reader", "sim", "doctor"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("正常 [sim] jpki: JPKI のアプリケーションがあります"), "{out}");
    let (code, out, _) = run(in_locale(JA, &["--reader", "sim", "text", "read", "--pin-stdin"])
        .write_stdin(format!("{TEXT_PIN}\n")));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("個人番号: ********9018"), "{out}");
    assert!(out.contains("生年月日: 平成2年5月15日"), "{out}");
    assert!(out.contains("真正性: "), "{out}");
}

#[test]
fn face_read_and_face_age_speak_japanese_with_the_era_and_the_expiry_date() {
    let ca = format!("{}/sim-image/default/pki/cvc-ca-9000023.pem", env!("CARGO_MANIFEST_DIR"));
    let (dir, _) = workdir();
    let (code, out, err) =
        run(in_locale(JA, &["--reader", "sim", "face", "read", "--pin-stdin", "--cvc-ca", &ca])
            .current_dir(dir.path())
            .write_stdin("1990-05-15 2035 7251\n"));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("生年月日: 平成2年5月15日\n性別: 女性\n"), "{out}");
    assert!(out.contains("有効期限: 2035年5月15日 (署名の対象外)"), "{out}");
    assert!(out.contains("書き出していません"), "{out}");
    assert!(out.contains("真正性: 真正"), "{out}");
    let (code, out, _) =
        run(in_locale(JA, &["--reader", "sim", "face", "age", "--at-least", "18", "--pin-stdin"])
            .write_stdin("1990-05-15\n"));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "18歳以上: はい\n真正性: 不明\n");
}

#[test]
fn pdf_signing_and_verification_speak_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let signed = dir.path().join("signed.pdf");
    let fixture =
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pdf/ghostscript-incremental.pdf");
    let (code, _, err) =
        run(in_locale(JA, &["--reader", "sim", "sign", fixture, "-o", s(&signed), "--pin-stdin"])
            .write_stdin("MYNACARD1\n"));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("PDF として署名します"), "{err}");
    let root = pki("sign-root.pem");
    let verify = ["verify", s(&signed), "--trust-anchor", &root, "--revocation", "off"];
    let (code, ja, _) = run(&mut in_locale(JA, &verify));
    assert_eq!(code, 0);
    assert!(ja.contains("総合: 有効"), "{ja}");
    assert!(ja.contains("失効確認はオフです"), "the warning is Japanese too: {ja}");
    assert!(ja.contains("版に署名、ファイル全体"), "{ja}");
    let (code, en, _) = run(&mut in_locale(C, &verify));
    assert_eq!(code, 0);
    assert!(en.contains("overall: valid"), "{en}");
    assert!(!is_japanese(en.lines().last().unwrap()), "{en}");
    // JSON does not change with the language (a fixed time of judgement: no clock in it).
    let mut json = verify.to_vec();
    json.extend(["--at", "2026-06-01T00:00:00Z"]);
    json.insert(0, "--json");
    assert_eq!(run(&mut in_locale(JA, &json)).1, run(&mut in_locale(C, &json)).1);
}

#[test]
fn command_line_errors_speak_japanese_with_exit_2() {
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &["sign", "--bogus"],
            "想定していない引数 --bogus があります",
            "unexpected argument '--bogus'",
        ),
        (&["frob"], "frob というコマンドはありません", "unrecognized subcommand 'frob'"),
        (&["sign"], "必要な引数がありません: <FILE>", "required arguments were not provided"),
        (
            &["sign", "--key", "nokey", "x"],
            "--key <KEY> に nokey は指定できません (指定できる値: sign, auth)",
            "invalid value 'nokey'",
        ),
    ];
    for (args, ja, en) in cases {
        let (code, _, err) = run(&mut in_locale(JA, args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(ja), "{args:?}: {err}");
        assert!(!err.contains(en), "English left in the Japanese message: {err}");
        let (code, _, err) = run(&mut in_locale(C, args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(en), "{args:?}: {err}");
    }
}
