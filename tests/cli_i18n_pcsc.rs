//! The language of the card commands through the real PC/SC stack (`mynacard sim serve` →
//! vpcd → pcscd → `mynacard` as a separate process): under `LANG=ja_JP.UTF-8` the status, the
//! PIN counters, a wrong-password error and a signature speak Japanese with the same exit codes
//! as in English. Needs a private pcscd: run under `scripts/with-pcscd cargo test --test
//! cli_i18n_pcsc -- --test-threads=1`; without `MYNACARD_PCSCD=1` the test prints a notice and
//! passes.

mod common;

use common::cli::*;
use common::*;

fn japanese(cmd: &mut assert_cmd::Command) -> &mut assert_cmd::Command {
    cmd.env_remove("LC_ALL").env_remove("LC_MESSAGES").env("LANG", "ja_JP.UTF-8")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn card_commands_through_pcscd_speak_japanese() {
    if !pcscd_or_skip("card_commands_through_pcscd_speak_japanese") {
        return;
    }
    let _sim = SimServer::start();
    let out = japanese(&mut pcsc(&["status"])).output().unwrap();
    let status = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{status}");
    assert!(status.contains(&format!("リーダー: {READER}")), "{status}");
    assert!(status.contains("トークン: マイナンバーカード (JPKIAPICCTOKEN2)"), "{status}");
    assert!(status.contains("署名用パスワード：残り5回"), "{status}");

    let (_dir, doc) = workdir();
    let out = japanese(&mut pcsc(&["sign", s(&doc), "--pin-stdin"]))
        .write_stdin("WRONGPW1\n")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{err}");
    assert!(err.contains("署名用パスワードが違います: ロックまで残り4回です"), "{err}");

    let out = japanese(&mut pcsc(&["sign", s(&doc), "--pin-stdin"]))
        .write_stdin(format!("{SIGN_PIN}\n"))
        .output()
        .unwrap();
    let signed = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{signed}{}", text(&out.stderr));
    assert!(signed.contains("に署名用電子証明書の鍵で電子署名しました"), "{signed}");

    let out = japanese(&mut pcsc(&["pin", "status"])).output().unwrap();
    let pins = text(&out.stdout);
    assert!(pins.contains("署名用パスワード [jpki 001B]：残り5回"), "{pins}");
    assert!(pins.contains("利用者証明用パスワード (暗証番号) [jpki 0018]：残り3回"), "{pins}");
}
