# mynacard messages: English. Every key here is also in i18n/ja/mynacard.ftl (the unit tests
# in src/cli/i18n.rs check it). How to add one: see the module docs of src/cli/i18n.rs.

## Words

word-yes = yes

## PINs, passwords and card-face codes

pin-auth = authentication PIN
pin-sign = signature password
pin-text = text-application PIN
pin-face-birth = card-face birth-date key (生年月日)
pin-face-code-a = card-face 照合番号A (My Number)
pin-face-code-b = card-face 照合番号B
rule-auth = the authentication PIN must be exactly 4 digits (0-9)
rule-sign = the signature password must be 6 to 16 characters, each a letter A-Z or a digit 0-9
rule-text = the text-application PIN must be exactly 4 digits (0-9)
rule-face-birth = the birth-date key must be a real birth date (YYYYMMDD, 明治 or later)
rule-face-code-a = 照合番号A must be the 12-digit My Number with a valid check digit
rule-face-code-b = 照合番号B must be 14 digits: birth date in era digits (YYMMDD), the card's expiry year (YYYY) and its 4-digit security code
tries-none = it is now blocked
tries-left = { $n ->
    [one] 1 try left before it is blocked
   *[other] { $n } tries left before it is blocked
}

## Errors (src/cli/messages.rs)

err-image = card image: { $why }
err-usage = { $why }
err-input = { $why }
err-stdout = cannot write to standard output: { $error }
err-io = { $context }: { $error }
err-no-service = the smart-card service (pcscd) is not running: start it (e.g. `sudo systemctl start pcscd` or `pcscd --foreground`)
err-no-readers = no smart-card reader found: connect a reader
err-reader-not-found = no reader matches { $wanted }; available: { $available }
err-ambiguous-reader = { $matches } readers match { $wanted }; choose one with --reader NAME or --reader INDEX
err-no-card = no card in reader { $reader }: insert your card (or place it on a contactless reader)
err-timeout = timed out after { $seconds } s waiting for a card in { $reader }
err-card-removed = the card was removed during the operation: put it back and try again
err-card-reset = the card was reset by another program: try again
err-reader-gone = the reader { $reader } is no longer available (unplugged?)
err-card-in-use = the card is in use by another program: close it and try again
err-mute = the card does not respond (mute card, or badly placed on a contactless reader)
err-malformed-response = malformed response from the card: { $why }
err-no-control = this reader takes no control requests (SCardControl): it has no PIN pad
err-disconnected = the connection to the card was already closed
err-cannot-disconnect = cannot close the connection to the card from inside an exclusive transaction
err-pcsc = PC/SC error: { $why }
err-transport-io = I/O error: { $error }
err-vpcd-connect = virtual card bridge: cannot connect to vpcd at { $addr } after { $attempts } attempts: { $error } (is pcscd with vsmartcard-vpcd running?)
err-vpcd-poisoned = virtual card bridge: the virtual card's lock is poisoned (a thread panicked while using the card)
err-pin-format = invalid { $pin }: { $rule }
err-apdu = cannot encode the command: { $why }
err-not-jpki = not a My Number Card: the card has no JPKI application
err-no-text-app = the card has no card-info-input support (text) application
err-no-face-app = the card has no card-face confirmation application (券面事項確認AP)
err-old-resident-card = this is an old resident-registry card (JPKIAPICCTOKEN), not a My Number Card; it is not supported
err-unknown-token = unknown JPKI token type { $token } in the token-info file
err-wrong-pin = wrong { $pin }: { $tries }
err-pin-blocked = the { $pin } is blocked: have it reset at your municipal office
err-last-try = only one try of the { $pin } is left: refusing to spend it without explicit permission
err-security-status = the card refused { $what }: security status not satisfied (the PIN or password was not verified)
err-file-not-found = file { $fid } not found on the card
err-unexpected-status = unexpected status { $sw } to { $command }
err-malformed-card-data = malformed data from the card: { $why }
err-too-long = { $what } exceeds the { $limit }-byte limit
err-too-many-rounds = the card asked for more than { $n } GET RESPONSE rounds
err-bad-my-number = the My Number read from the card fails its check digit
err-not-digest-info = the data to sign is not a DER DigestInfo for SHA-256, SHA-384 or SHA-512 ({ $len } bytes)
err-no-pinpad = this reader has no PIN pad (no FEATURE_VERIFY_PIN_DIRECT): enter the PIN on the computer instead (--pinpad auto or off)
err-pinpad-cannot-enter = the { $pin } contains letters, which a PIN pad cannot enter: enter it on the computer (--pinpad auto or off)
err-pinpad-timeout = nothing was entered on the PIN pad in time: no try was spent
err-pinpad-cancelled = PIN entry was cancelled on the PIN pad: no try was spent
err-pinpad-length = the { $pin } typed on the PIN pad has the wrong number of digits: no try was spent
err-pinpad-mismatch = the two entries of the new { $pin } on the PIN pad differ: nothing was changed
err-no-pinpad-change = this reader's PIN pad cannot change PINs (no FEATURE_MODIFY_PIN_DIRECT): change it on the computer (--pinpad off)
err-pinpad-rejected = the reader rejected the PIN-pad request (6B 80): its firmware does not accept this PIN format; use --pinpad off
err-not-cleared = could not leave the application after the PIN was verified ({ $why }): the PIN may stay verified until the card is powered off; remove the card from the reader
err-pin-change-confirmed = the { $pin } was changed (the card confirmed it), but then: { $why }
err-pin-change-uncertain = the { $pin } may have been changed: the card's answer to the change was lost ({ $why }); try the new { $pin } first
err-pinpad-feature-truncated = PIN pad: malformed reader feature list: entry at byte { $offset } is cut short
err-pinpad-feature-length = PIN pad: malformed reader feature list: feature 0x{ $tag } has length { $len }, expected 4
err-pinpad-bad-answer = PIN pad: the PIN pad answered { $len } byte(s) instead of a 2-byte status word
err-pinpad-bad-structure = PIN pad: malformed PIN verify structure: { $why }
err-pinpad-transport = PIN pad: { $why }
err-no-terminal = no terminal to ask for the { $what } on: use --pin-stdin, --pin-env VAR or --pin-file PATH
err-env-missing = environment variable { $var } is not set (or not valid UTF-8)
err-env-new-missing = changing a PIN with --pin-env also needs --new-pin-env VAR for the new one
err-source-ended = { $source } ended before the { $what } was given
err-source-too-long = the { $what } read from { $source } is longer than 256 bytes
err-new-pin-mismatch = the two entries of the new { $what } differ
err-pad-and-source = --pinpad on takes the PIN on the reader's pad: drop --pin-stdin, --pin-env and --pin-file
err-source-io = cannot read the { $what } from { $source }: { $error }

## Help text (src/cli/help.rs): help-<command path> and help-<command path>--<option>

help-flag-help = Print help
help-flag-version = Print version
help-heading-options = Options
help-heading-arguments = Arguments
help-heading-usage = Usage:
help-heading-commands = Commands
help-help = Print this message or the help of the given subcommand(s)
help-mynacard = Client library and CLI for the Japanese Individual Number Card (My Number Card) and JPKI, with a virtual card
help-mynacard--reader = Reader to use: exact name, unique part of a name, index from `mynacard readers`, or `sim` for the in-process virtual card. Default: the only reader holding a card
help-mynacard--json = Machine-readable JSON output (errors too, as {"{"}"error": {"{"}...{"}"}{"}"} on stdout)
help-mynacard--trace = Write an APDU trace (PINs redacted) to FILE
help-mynacard--verbose = More detail on stderr (repeat for more)
help-mynacard--quiet = Only errors on stderr
help-mynacard--audit-log = Append one JSON line per card operation to FILE (time, reader, operation, outcome, SHA-256 of the certificate used; never a PIN, My Number or holder data)
help-mynacard--wait = Seconds to wait for a card to be inserted (default: 30 on a terminal, else 0)
help-mynacard--lang = Language of messages and help: `ja` or `en` (default: from LC_ALL, LC_MESSAGES, LANG)
help-readers = List readers, whether a card is present, and its ATR
help-status = The card in the reader: token type and every PIN counter (spends no try)
help-cert = Certificates: read from the card, show or verify a file
help-cert-read = Read a certificate from the card (`sign` asks for the signature password)
help-cert-read--which = Which certificate
help-cert-read--format = Output format (`--json` implies json)
help-cert-read--output = Write to FILE (atomically) instead of standard output
help-cert-read--pin-stdin = Read the PIN (and for `pin change`, the new one on the next line) from standard input
help-cert-read--pin-env = Read the PIN from this environment variable
help-cert-read--new-pin-env = For `pin change` with --pin-env: read the new PIN from this environment variable
help-cert-read--pin-file = Read the PIN (and for `pin change`, the new one on the next line) from this file
help-cert-read--allow-last-try = Go ahead even when only one try is left (a wrong PIN then blocks it)
help-cert-read--pinpad = Enter a 4-digit PIN on the reader's PIN pad, so it never crosses the computer: `auto` uses the pad when the reader has one and the PIN would be asked on the terminal; `on` requires it; `off` never uses it. The signature password (letters) is always entered on the computer
help-cert-show = Show a certificate file (DER or PEM)
help-cert-show--file = Certificate file, DER or PEM
help-cert-show--format = Output format (`--json` implies json)
help-cert-verify = Verify a certificate file: path to the pinned roots, JPKI profile, revocation
help-cert-verify--cert = Certificate file, DER or PEM
help-cert-verify--crl = CRL file or directory (DER or PEM); repeatable
help-cert-verify--ocsp = OCSP responder `http://` URL, or `aia` to use the certificate's own OCSP URL. Nothing else is ever contacted. `https://` is refused (no TLS; OCSP answers are signed)
help-cert-verify--net-timeout = Overall deadline in seconds of each network exchange (connect, send, receive)
help-cert-verify--ocsp-hash = CertID hash for OCSP requests
help-cert-verify--hierarchy = Pinned hierarchy to trust
help-cert-verify--trust-anchor = Also trust this root certificate (DER or PEM), e.g. the virtual card's; repeatable
help-cert-verify--at = Time of judgement: RFC 3339 (`2026-01-02T03:04:05Z`), `now`, or `signing-time`. Revocation is judged at that time too: only CRLs and OCSP answers current then count
help-cert-verify--revocation = Revocation policy
help-pin = PIN counters and PIN changes
help-pin-status = Tries left of every PIN (spends no try)
help-pin-change = Change a PIN: asks for the current one, then the new one twice
help-pin-change--which = Which PIN
help-pin-change--pin-stdin = Read the PIN (and for `pin change`, the new one on the next line) from standard input
help-pin-change--pin-env = Read the PIN from this environment variable
help-pin-change--new-pin-env = For `pin change` with --pin-env: read the new PIN from this environment variable
help-pin-change--pin-file = Read the PIN (and for `pin change`, the new one on the next line) from this file
help-pin-change--allow-last-try = Go ahead even when only one try is left (a wrong PIN then blocks it)
help-pin-change--pinpad = Enter a 4-digit PIN on the reader's PIN pad, so it never crosses the computer: `auto` uses the pad when the reader has one and the PIN would be asked on the terminal; `on` requires it; `off` never uses it. The signature password (letters) is always entered on the computer
help-sign = Sign a file on the card (CMS or raw PKCS#1 v1.5)
help-sign--file = The file to sign
help-sign--key = Which key signs
help-sign--hash = Hash algorithm
help-sign--format = Output format
help-sign--output = Output file (default: FILE.p7s for CMS, FILE.p7s.pem for CMS as PEM, FILE.sig for raw). Never overwrites an existing file without --force
help-sign--force = Replace an existing output file
help-sign--pin-stdin = Read the PIN (and for `pin change`, the new one on the next line) from standard input
help-sign--pin-env = Read the PIN from this environment variable
help-sign--new-pin-env = For `pin change` with --pin-env: read the new PIN from this environment variable
help-sign--pin-file = Read the PIN (and for `pin change`, the new one on the next line) from this file
help-sign--allow-last-try = Go ahead even when only one try is left (a wrong PIN then blocks it)
help-sign--pinpad = Enter a 4-digit PIN on the reader's PIN pad, so it never crosses the computer: `auto` uses the pad when the reader has one and the PIN would be asked on the terminal; `on` requires it; `off` never uses it. The signature password (letters) is always entered on the computer
help-text = The card-info-input application (My Number and the four basic facts)
help-text-read = Read the My Number and the four basic facts (asks for the text PIN)
help-text-read--reveal = Show the whole My Number instead of `********1234`
help-text-read--hierarchy = Trust the JPKI test hierarchy's CA keys too (`test`); the production keys are always trusted
help-text-read--cvc-ca = Also trust the CVC CA key in FILE (a CVC, or a 16-byte key ID and a key record), e.g. the virtual card's (`mynacard sim cvc-ca`); repeatable
help-text-read--pin-stdin = Read the PIN (and for `pin change`, the new one on the next line) from standard input
help-text-read--pin-env = Read the PIN from this environment variable
help-text-read--new-pin-env = For `pin change` with --pin-env: read the new PIN from this environment variable
help-text-read--pin-file = Read the PIN (and for `pin change`, the new one on the next line) from this file
help-text-read--allow-last-try = Go ahead even when only one try is left (a wrong PIN then blocks it)
help-text-read--pinpad = Enter a 4-digit PIN on the reader's PIN pad, so it never crosses the computer: `auto` uses the pad when the reader has one and the PIN would be asked on the terminal; `on` requires it; `off` never uses it. The signature password (letters) is always entered on the computer
help-face = The card-face application: the card face, or an age check that reveals nothing else
help-face-read = Read the card face with 照合番号A (the My Number) or 照合番号B and check its signature
help-face-read--code = Which code opens the card face
help-face-read--photo = Write the photo, JPEG 2000 as stored, to FILE
help-face-read--images = Write the images (name.png, address.png, security-code.png, and with `--code a` my-number.png) into DIR (created if missing)
help-face-read--force = Replace files that already exist (default: refuse, and write nothing)
help-face-read--challenge = Also ask the card key to sign a fresh host nonce (single-source command; see README)
help-face-read--reveal = With `--code a`: show the whole My Number instead of `********1234`
help-face-read--hierarchy = Trust the JPKI test hierarchy's CA keys too (`test`); the production keys are always trusted
help-face-read--cvc-ca = Also trust the CVC CA key in FILE (a CVC, or a 16-byte key ID and a key record), e.g. the virtual card's (`mynacard sim cvc-ca`); repeatable
help-face-read--pin-stdin = Read the PIN (and for `pin change`, the new one on the next line) from standard input
help-face-read--pin-env = Read the PIN from this environment variable
help-face-read--new-pin-env = For `pin change` with --pin-env: read the new PIN from this environment variable
help-face-read--pin-file = Read the PIN (and for `pin change`, the new one on the next line) from this file
help-face-read--allow-last-try = Go ahead even when only one try is left (a wrong PIN then blocks it)
help-face-read--pinpad = Enter a 4-digit PIN on the reader's PIN pad, so it never crosses the computer: `auto` uses the pad when the reader has one and the PIN would be asked on the terminal; `on` requires it; `off` never uses it. The signature password (letters) is always entered on the computer
help-face-age = Answer whether the holder is at least N years old, and nothing else
help-face-age--at-least = The age asked about, in whole years
help-face-age--at = The day the age is computed for (`YYYY-MM-DD`; default: today in Japan, UTC+9)
help-face-age--hierarchy = Trust the JPKI test hierarchy's CA keys too (`test`); the production keys are always trusted
help-face-age--cvc-ca = Also trust the CVC CA key in FILE (a CVC, or a 16-byte key ID and a key record), e.g. the virtual card's (`mynacard sim cvc-ca`); repeatable
help-face-age--pin-stdin = Read the PIN (and for `pin change`, the new one on the next line) from standard input
help-face-age--pin-env = Read the PIN from this environment variable
help-face-age--new-pin-env = For `pin change` with --pin-env: read the new PIN from this environment variable
help-face-age--pin-file = Read the PIN (and for `pin change`, the new one on the next line) from this file
help-face-age--allow-last-try = Go ahead even when only one try is left (a wrong PIN then blocks it)
help-face-age--pinpad = Enter a 4-digit PIN on the reader's PIN pad, so it never crosses the computer: `auto` uses the pad when the reader has one and the PIN would be asked on the terminal; `on` requires it; `off` never uses it. The signature password (letters) is always entered on the computer
help-verify = Verify a signature: certificate path to the pinned roots, JPKI profile, revocation
help-verify--data = The signed data
help-verify--signature = The signature: CMS (DER or PEM; detached or attached) or raw PKCS#1 v1.5 with --cert
help-verify--cert = Signer certificate (needed for raw signatures; optional for CMS)
help-verify--hash = Hash of a raw signature
help-verify--crl = CRL file or directory (DER or PEM); repeatable
help-verify--ocsp = OCSP responder `http://` URL, or `aia` to use the certificate's own OCSP URL. Nothing else is ever contacted. `https://` is refused (no TLS; OCSP answers are signed)
help-verify--net-timeout = Overall deadline in seconds of each network exchange (connect, send, receive)
help-verify--ocsp-hash = CertID hash for OCSP requests
help-verify--hierarchy = Pinned hierarchy to trust
help-verify--trust-anchor = Also trust this root certificate (DER or PEM), e.g. the virtual card's; repeatable
help-verify--at = Time of judgement: RFC 3339 (`2026-01-02T03:04:05Z`), `now`, or `signing-time`. Revocation is judged at that time too: only CRLs and OCSP answers current then count
help-verify--revocation = Revocation policy
help-demo = The main job end to end on the virtual card, with a transcript
help-demo--out = Keep the demo's files (document, CMS signature, certificates as PEM) in DIR
help-sim = The virtual card
help-sim-serve = Serve the virtual card to pcscd through vsmartcard's vpcd (a real PC/SC reader)
help-sim-serve--vpcd = Where vpcd listens (35963: "Virtual PCD 00 00", 35964: "Virtual PCD 00 01")
help-sim-serve--image = Card image directory (default: the built-in image)
help-sim-serve--profile = Behaviour preset
help-sim-serve--no-extended = Refuse extended-length APDUs (answer `67 00`), like a short-only card
help-sim-serve--counts = After every command and power event, write the card's command counts since start (all power cycles together) and how often vpcd powered the card off, on and reset it (`power_off`, `power_on`, `reset`) as one JSON object to FILE (replaced atomically; for benchmarks and the security-state tests)
help-sim-serve--unpowered-6f00 = Answer the first command after the card was powered off and on again with `6F 00` (reported of real cards by a single source; off by default)
help-sim-serve--fault = Inject a fault on the N-th command since power-on (1-based; each strikes once): KIND is remove, mute, garbage, truncate, no-precise-diagnosis (`6F 00`), more-data (executed, then `61 10` with nothing to fetch), wrong-le (`6C 10`, not executed) or reset (a warm reset the client is not told of, just before the command). Repeatable
help-sim-generate = Write the default card image and its test PKI (roots, certificates, CRLs, OCSP responder, `index.txt` for `openssl ocsp`) to a new directory. The result is the same, byte for byte, as the built-in image
help-sim-generate--out = Directory to create (must not exist yet, or be empty)
help-sim-generate--token = Which device the image is: `card` (the built-in image, byte for byte) or `android` (JPKI on an Android phone: token label JPKIAPGPSETOKEN, the authentication certificate readable only after the authentication PIN)
help-apdu = Test rigs: run an APDU script, or send one command
help-apdu-run = Run an APDU script (see apdu-scripts/README.md) and report each step
help-apdu-run--script = The script file
help-apdu-run--allow-pin-tries = Run a script that spends PIN tries (`# spends-pin-tries: yes`) on a real card too
help-apdu-send = Send one command APDU (hex, `$env:NAME` references, optional `=> expectation`)
help-apdu-send--command = The command: hex bytes, spaces allowed (several words are joined with spaces)
help-watch = Card and reader events (one JSON object a line with --json) until SIGINT/SIGTERM
help-watch--no-probe = Do not select the JPKI application on inserted cards (`jpki` is then null)
help-doctor = Check the PC/SC service, readers and card, with a fix for each problem

## PIN entry and PIN commands (src/cli/pin_source.rs, pin_entry.rs, pin.rs)

prompt-current = Enter the { $what }
prompt-new = Enter the new { $what }
prompt-new-again = Enter the new { $what } again
pin-new = new { $what }
source-stdin = standard input
source-terminal = the terminal
pinpad-enter = Enter the { $pin } on the reader's PIN pad.
pinpad-change = On the reader's PIN pad: enter the current { $pin }, then the new one twice.
pin-state-line = { $pin }: { $state }
pin-state-last-try = 1 try left (the next wrong entry blocks it)
pin-state-tries = { $n } tries left
pin-state-blocked-reset = BLOCKED (have it reset at your municipal office)
pin-state-blocked = BLOCKED
pin-state-unlimited = no retry counter (63 00)
pin-state-verified = already verified (90 00 to an empty VERIFY)
pin-state-absent = not on this card
pin-state-app-absent = application not on this card
pin-state-other = unexpected answer { $sw }
pin-object-text-0012 = text-application key 0012 (blocked as issued)
pin-object-text-code-a = text-application 照合番号A (My Number)
pin-object-text-code-b = text-application 照合番号B
pin-new-refused = new PIN refused: { $why }
pin-changed = { $pin } changed

## status (src/cli/status.rs)

status-reader = reader: { $reader }
status-token = token: { $token }
status-extended = extended length: { $state }; { $reader }
status-ext-in-use = in use
status-ext-refused = not in use (the card or reader refused it; short APDUs)
status-ext-short = not in use (short APDUs)
status-ext-reader-yes = supported by the reader
status-ext-reader-no = not supported by the reader
status-ext-reader-unknown = reader support unknown
token-card = My Number Card
token-android = Android smartphone JPKI token
token-iphone = iPhone JPKI token

## readers and watch (src/cli/readers.rs, watch.rs)

readers-card = card  ATR { $atr }
readers-card-mute = card (mute)
readers-no-card = no card
readers-none = no smart-card readers found
watch-reader-added = reader added    { $reader }
watch-reader-removed = reader removed  { $reader }
watch-card-inserted = card inserted   { $reader }: { $kind }, ATR { $atr }
watch-card-removed = card removed    { $reader }
watch-jpki-card = JPKI card
watch-no-jpki = card (no JPKI application)
watch-jpki-unknown = card (JPKI unknown)
watch-signal-handler = installing the signal handler
watch-writing-stdout = writing events to stdout

## Certificates (src/cli/render.rs)

role-signature = signature certificate
role-authentication = user-authentication certificate
role-ca = CA certificate
role-unknown = certificate of unknown purpose
cert-subject = subject: { $value }
cert-issuer = issuer: { $value }
cert-serial = serial: { $value }
cert-valid-from = valid from: { $value }
cert-valid-until = valid until: { $value } ({ $jst })
cert-expired = {" "}EXPIRED
cert-key = key: { $key }
cert-key-fingerprint = key: { $key } (modulus SHA-256 { $sha256 })
cert-signature-algorithm = signature algorithm: { $value }
cert-ca = CA: { $value }
cert-policies = policies: { $value }
cert-policies-critical = policies: { $value } (critical)
cert-key-usage = key usage: { $value }
cert-extended-key-usage = extended key usage: { $value }
cert-crl-dp = CRL distribution point: { $value }
cert-aia = authority info access: { $value }
cert-warning = warning: { $value }
holder-heading = holder:
holder-name = name: { $value }
holder-birth = birth date: { $date } (era { $digit } { $era })
holder-birth-unparsed = birth date: { $value } (unparsed)
holder-sex = sex: { $value }
holder-address = address: { $value }
holder-other = otherName { $oid }: { $value }
sex-male = male
sex-female = female
sex-unknown = unknown
sex-not-applicable = not applicable
sex-other-code = unknown code { $code }

## Verification reports (src/cli/report_text.rs)

verdict-valid = VALID
verdict-invalid = INVALID
verdict-revocation-unknown = REVOCATION UNKNOWN
role-end-entity = end-entity certificate
role-anchor = trust anchor
kind-signature = signature
kind-authentication = authentication
report-verdict = verdict: { $verdict }
report-judged-at = judged at: { $time } ({ $basis })
report-judged-unknown = judged at: unknown ({ $basis })
report-ok = ok
report-bad = BAD
report-fail = FAIL
report-signature = signature ({ $format }): { $ok } [{ $hash } / { $algorithm }]
report-signing-time = signing time: { $time }
report-certificate = certificate: { $subject }
report-issuer = issuer: { $issuer }
report-valid = valid: { $from } .. { $until }
report-kind = kind: { $kind }
report-anchor = anchor: { $subject } [{ $label }] sha256 { $sha256 } (matched by { $matched_by })
report-anchor-none = anchor: none
report-revocation = revocation: { $outcome } (policy { $policy })
report-failure = failure: { $why }
rev-good = good ({ $source })
rev-revoked = REVOKED at { $time } ({ $source })
rev-unknown = unknown: { $why }
rev-not-checked = not checked
fail-untrusted-issuer = untrusted issuer { $issuer } (authority key id { $key_id })
fail-bad-signature = bad signature on the { $what }
fail-unsupported-algorithm = unsupported { $what } algorithm { $oid }
fail-algorithm-mismatch = signature algorithm { $outer } differs from the one inside the certificate, { $inner }
fail-unusable-key = unusable public key of the { $role }: { $why }
fail-expired = { $role } expired at { $not_after } (judged at { $at })
fail-not-yet-valid = { $role } not valid before { $not_before } (judged at { $at })
fail-anchor-not-ca = trust anchor is not a CA certificate (basicConstraints cA is not true)
fail-end-entity-is-ca = end-entity certificate claims to be a CA (basicConstraints cA=true)
fail-unknown-critical-extension = unknown critical extension { $oid }
fail-duplicate-extension = extension { $oid } appears more than once
fail-malformed-extension = malformed extension { $oid }: { $why }
fail-wrong-key-usage = key usage { $found } does not fit a { $kind } certificate (expected { $expected })
fail-missing-client-auth = extended key usage { $found } lacks clientAuth
fail-wrong-policy = certificate policies { $found }, expected { $expected }
fail-unknown-kind = cannot tell whether this is a signature or an authentication certificate
fail-no-signing-time = judgement at signing time asked for, but the signature has no signingTime
fail-message-digest-mismatch = messageDigest attribute does not match the content (content was altered)
fail-content-type-mismatch = contentType attribute { $found } differs from eContentType { $expected }
fail-bad-signed-attribute = signed attribute { $name } missing or malformed
fail-signer-not-found = no certificate matches the CMS signer identifier
fail-signing-certificate-mismatch = signingCertificateV2 does not match the signer certificate
fail-issuer-name-mismatch = issuer name { $issuer } is not the subject of the trust anchor { $anchor }
fail-wrong-version = certificate version { $version }: { $why }
fail-negative-serial = negative serial number { $serial } (RFC 5280 requires a positive integer)
fail-given-not-signer = the given certificate ({ $given }) is not the CMS signer ({ $signer })
fail-attached-content-differs = given content differs from the content embedded in the signature
verify-revocation-reason = revocation reason: { $reason }
verify-revocation-off = note: revocation was not checked (--revocation off)

## text and face (src/cli/text.rs, face.rs)

text-my-number = My Number: { $value }
text-name = name: { $value }
text-address = address: { $value }
text-birth = birth date: { $value }
text-sex = sex: { $value }
sex-other = other
authenticity-line = authenticity: { $verdict } ({ $detail })
authenticity-genuine = GENUINE
authenticity-forged = FORGED
authenticity-unknown = UNKNOWN
face-expiry = expiry: { $date } (not covered by the signature)
face-expiry-none = expiry: not on this card
face-file = { $name } ({ $what }): { $bytes } bytes, { $dest }
face-file-written = written to { $path }
face-file-not-written = not written
face-text-authenticity = text { $line }
face-challenge = card-key challenge: { $ok } ({ $detail })
face-challenge-ok = verified
face-challenge-failed = FAILED
face-note = note: { $note }
face-note-a = My Number not read
face-note-b = name and address not read as text
face-skip-no-text-app = the card has no text application (券面事項入力補助AP)
face-skip-no-file = the text application has no file { $ef }
face-skip-blocked = the text application's { $code } is blocked (nothing was sent)
face-skip-last-try = the text application's { $code } has one try left: not spent without --allow-last-try
face-skip-wrong = the text application refused { $code } ({ $n } tries left; not retried)
face-skip-other = the text application: { $why }
face-code-a-prompt = 照合番号A (your 12-digit My Number)
face-code-b-prompt = 照合番号B
face-birth-prompt = birth date (YYYY-MM-DD)
face-birth-prompt-b = birth date (YYYY-MM-DD) for 照合番号B
face-expiry-year-prompt = card's expiry year (YYYY)
face-security-code-prompt = card's 4-digit security code (セキュリティコード)
age-at-least = at least { $n }: { $answer }
age-yes = yes
age-no = no
age-authenticity = authenticity: { $verdict }
outcome-good = not revoked ({ $source })
outcome-revoked-reason = revoked: { $reason } ({ $source })
outcome-revoked = revoked ({ $source })
outcome-unknown = revocation unknown: { $why }
outcome-not-checked = revocation not checked

## Files (several commands)

io-creating = creating { $path }
io-writing = writing { $path }

## demo (src/cli/demo.rs)

demo-sim-only = the demo runs only on the built-in virtual card (it types that card's published password itself); drop --reader
demo-title = == mynacard demo on the built-in virtual card (reader "sim") ==
demo-detected = 1. card detected by selecting the JPKI application: { $token }
demo-certificates = 2. public certificates:
demo-certificate = { $bytes } bytes in { $reads } READ BINARY
demo-pin-counters = 3. PIN counters (read without spending a try):
demo-verifies = VERIFY commands carrying a PIN so far: { $n }
demo-signing = 4. signing a sample document as CMS (CAdES-BES) with the signature key:
demo-cms-failed = building the CMS signature: { $why }
demo-signed = { $bytes } bytes of CMS; the card computed { $signatures } signature(s) after one VERIFY; security state cleared
demo-verifying = 5. verifying the signature (trust: the virtual card's root; revocation required):
demo-current-crl = with the municipality's current CRL: { $verdict }
demo-revocation = revocation: { $outcome }
demo-signer = signer: { $name }
demo-no-name = (no name)
demo-revoking-crl = with a CRL that revokes the card:   { $verdict } ({ $outcome })
demo-not-valid = NOT VALID
demo-face = 6. the card face, opened with 照合番号A (the virtual card's published test My Number { $number }):
demo-face-images = photo { $photo } bytes (JPEG 2000), name/address images { $name }/{ $address } bytes (PNG); nothing written
demo-production-only = trusting the J-LIS production keys only: { $verdict }
demo-files = 7. files written to { $dir }
demo-complete = demo complete: everything behaved as expected
demo-failed = demo FAILED

## doctor (src/cli/doctor.rs)

doctor-ok = ok{"  "}
doctor-fail = FAIL
doctor-fix = fix: { $fix }
doctor-ready = a JPKI card is ready in { $reader }
doctor-none-usable = no usable JPKI card
doctor-fix-service = start pcscd: sudo systemctl start pcscd / pcscd --foreground
doctor-fix-reader = connect a reader
doctor-fix-card = insert the card; on a contactless reader place it flat and keep it still
doctor-fix-in-use = close the other program
doctor-fix-jpki = use a My Number Card (the JPKI application is selected by AID, not by ATR); if it is one, reseat it
doctor-fix-reseat = reseat the card and try again
doctor-jpki-found = JPKI application found: { $token }
doctor-held = another program holds the card
doctor-held-exclusively = another program holds the card exclusively
doctor-not-held = no other program holds the card
doctor-card-gone = the card went away during the checks
doctor-no-jpki = no usable JPKI application: { $why }
doctor-ext-yes = the reader passes extended-length APDUs
doctor-ext-no = short APDUs only (files are read in chunks)
doctor-ext-unknown = not reported by the reader (extended length is tried, then chunks)
doctor-service-ok = the PC/SC service answers
doctor-service-down = the PC/SC service is not reachable
doctor-no-readers = no smart-card reader found
doctor-readers = { $n } reader(s): { $names }
doctor-no-card = no card in the reader
doctor-card-present = a card is present
doctor-mute = the card does not answer (mute)
doctor-pinpad = secure PIN entry (FEATURE_VERIFY_PIN_DIRECT) available
doctor-no-pinpad-features = no PIN pad (no reader features)
doctor-no-pinpad-other = no PIN pad ({ $n } other reader feature(s))
doctor-no-pinpad-error = no PIN pad (feature list unavailable: { $why })
doctor-sim-card = the in-process virtual card
doctor-sim-pinpad = no PIN pad (in-process virtual card)
io-cannot-read = cannot read { $path }
io-cannot-write = cannot write { $path }

## sign (src/cli/sign.rs)

sign-exists = { $path } already exists: choose another file with -o, or replace it with --force
sign-pem-failed = cannot PEM-encode the CMS signature
sign-key-sign = signature key
sign-key-auth = authentication key
sign-done = signed { $file } with the { $key } ({ $hash }, { $format }): wrote { $output } ({ $bytes } bytes); signer certificate SHA-256 { $sha256 }

## Inputs, options and files (src/cli/verify.rs, cert.rs, face.rs, connect.rs, audit_log.rs)

file-data = data
file-signature = signature
file-certificate = certificate
file-trust-anchor = trust anchor
file-kind-directory = a directory
file-kind-fifo = a FIFO
file-kind-device = a device
file-kind-other = not a regular file
file-not-regular = it is { $kind }; a regular file is needed
file-too-large = larger than { $max } bytes, the limit for a { $what } file
verify-cannot-read-file = cannot read the { $what } file { $path }
verify-cannot-read-anchor = cannot read trust anchor { $path }
verify-cannot-read-crl = cannot read CRL { $path }
verify-neither-cms-nor-raw = { $path }: neither a CMS signature ({ $why }) nor a { $raw }-byte raw signature ({ $bytes } bytes)
verify-not-cms-needs-cert = { $path }: not a CMS signature ({ $why }); a raw signature also needs --cert
verify-not-attached = { $path }: not an attached CMS signature ({ $why }); for a detached or raw signature give --signature
verify-raw-needs-cert = a raw signature needs --cert
verify-ocsp-https = --ocsp { $url }: https is not supported (no TLS in this build; OCSP answers are signed, so give the responder's http:// URL)
verify-ocsp-bad = --ocsp { $url }: expected an http:// URL or `aia`
verify-at-signing-time = --at signing-time needs a CMS signature (it has the signing time)
verify-at-bad = --at { $at }: not `now`, `signing-time` or an RFC 3339 time such as 2026-01-02T03:04:05Z ({ $why })
cert-json-and-binary = --json prints a JSON document on standard output: give the PEM or DER a file with -o FILE (cert read), or drop --json
cert-der-to-terminal = refusing to write binary DER to a terminal: use -o FILE or redirect standard output
connect-insert-card = insert your card (Ctrl-C to stop)
audit-log = audit log
face-not-cvc-ca-key = { $path } is not a CVC CA key: not an RSA public key ({ $why })
face-no-pinpad = the card-face codes are entered on the computer, not on a PIN pad: drop --pinpad on
face-exists = { $path } exists: refusing to overwrite it (--force replaces it)
face-exists-nothing-written = { $path } exists: refusing to overwrite it (--force replaces it); nothing was written
face-reveal-needs-a = --reveal shows the My Number, which only --code a reads
face-cvc-ca-key = CVC CA key { $path }
face-at-bad = --at { $at }: not a date (YYYY-MM-DD)
connect-not-unpowered = warning: could not power the card off when disconnecting ({ $why }); remove the card from the reader to be sure no PIN stays verified
cert-card-not-der = the { $name } is not a DER X.509 certificate
cert-from-card-sign = signature certificate from the card
cert-from-card-auth = authentication certificate from the card
cert-from-card-auth-ca = authentication CA certificate from the card
cert-from-card-sign-ca = signature CA certificate from the card

## sim (src/cli/sim.rs)

sim-generated = wrote the default { $what } image and its PKI to { $dir }
sim-serving = serving the virtual card to vpcd at { $addr }{ $reader }; stop with Ctrl-C
sim-stopped = stopped
sim-connected = connected to vpcd at { $addr }
sim-disconnected = disconnected from vpcd: { $why }
face-card-key-not-rsa = the card key in the card face (DF24) is not an RSA key record
face-challenge-proven = the card holds the private key of the signed card key: this is the card the data was issued on
face-challenge-unproven = the card signed the nonce with the card key, but the card key's record is not proven genuine, so this proves nothing
face-challenge-bad = the card's answer does not verify under the card key of the card face
face-challenge-single-source = { $detail } (single-source command)
face-text-no-certificate = the text application has no certificate (EF 0004) (file not found): nothing can be checked
face-text-no-integrity = the text application has no integrity record (EF 0003) (file not found): nothing can be checked

## apdu (src/cli/apdu.rs)

apdu-pin-on-command-line = apdu send takes no PIN on the command line (other users can read command lines, and shells keep them): put the PIN in an environment variable and write it as $env:NAME, e.g. '00 20 00 80 $#env:PIN $env:PIN' (the empty VERIFY 00 20 00 80 needs none)
apdu-failed-at = { $script }: failed at line { $line }: { $step }
apdu-expected = expected { $expected }, received { $received }
help-note-values = [possible values: { $values }]
help-note-default = [default: { $value }]
help-note-env = [env: { $name }]
apdu-reading-script = reading the script { $path }
cert-wrote = wrote { $path } ({ $bytes } bytes, { $format })
sim-unknown-control = unknown control byte { $byte } ignored
sim-counts-write = cannot write the command counts to { $path }
sim-signal-handler = cannot install the handler for signal { $signal }
err-command-line = the command line is not valid (see --help); clap's message follows

## mynacard completions, mynacard man, mynacard serve
help-completions = Shell completions (bash, zsh, fish) generated from this command line, on standard output
help-completions--shell = The shell to write completions for (to standard output)
help-man = The manual page(s), generated from this command line
help-man--dir = Write mynacard.1 and one page per subcommand (mynacard-sign.1, …) into this directory instead of writing mynacard.1 to standard output
help-serve = The kiosk service: HTTP + JSON on a Unix socket (or loopback with a token), card events, an optional kiosk page (--ui). Until SIGTERM
help-serve--listen = Where to listen: `unix:PATH`, or a loopback address `127.0.0.1:PORT` / `[::1]:PORT` (needs --token-file). Default: unix:$XDG_RUNTIME_DIR/mynacard/mynacard.sock
help-serve--token-file = Bearer token for TCP: read from FILE, or a random one written there (mode 0600) when FILE does not exist
help-serve--allow-origin = Also answer requests from this web origin (e.g. `http://localhost:8080`), with CORS headers; repeatable. The service's own origin is always allowed
help-serve--ui = Serve the kiosk page at `/`
help-serve--allow-reveal = Let `POST /v1/text` reveal the whole My Number, and `POST /v1/face` return the card face's photo, images and facts, when the request asks (masked otherwise)
help-serve--busy-wait-ms = How long a request waits for the card while another operation holds it, in ms
help-serve--header-timeout-ms = Time allowed for a request's headers, in ms
help-serve--body-timeout-ms = Time allowed for a request's body, in ms
help-serve--max-body-bytes = Largest request body, in bytes
help-serve--max-connections = Most connections at once
help-serve--crl = CRL file or directory (DER or PEM); repeatable
help-serve--ocsp = OCSP responder `http://` URL, or `aia` to use the certificate's own OCSP URL. Nothing else is ever contacted. `https://` is refused (no TLS; OCSP answers are signed)
help-serve--net-timeout = Overall deadline in seconds of each network exchange (connect, send, receive)
help-serve--ocsp-hash = CertID hash for OCSP requests
help-serve--hierarchy = Pinned hierarchy to trust
help-serve--trust-anchor = Also trust this root certificate (DER or PEM), e.g. the virtual card's; repeatable
help-serve--at = Time of judgement: RFC 3339 (`2026-01-02T03:04:05Z`), `now`, or `signing-time`. Revocation is judged at that time too: only CRLs and OCSP answers current then count
help-serve--revocation = Revocation policy
help-serve--cvc-ca = Also trust the CVC CA key in FILE for the text application's data signature (as `text read --cvc-ca`); repeatable

## mynacard serve: the service's own error messages (codes in src/serve/error.rs)
serve-unauthorized = missing or wrong bearer token (send Authorization: Bearer <the --token-file contents>)
serve-bad-host = the Host header does not name this service (loopback only)
serve-bad-origin = requests from this Origin are not allowed (see --allow-origin)
serve-not-found = no such path (see /openapi.json)
serve-method-not-allowed = this path does not take this method (see /openapi.json)
serve-too-large = the request body is larger than this service accepts
serve-not-json = the request body must be JSON (Content-Type: application/json)
serve-body-timeout = the request body did not arrive in time
serve-card-busy = another operation is using the card and did not finish in time: try again
serve-too-many-connections = too many connections: try again later
serve-shutting-down = the service is stopping
serve-reveal-not-allowed = this service does not reveal the My Number (the operator did not give --allow-reveal)
serve-face-reveal-not-allowed = this service does not return the card face's photo, images and facts (the operator did not give --allow-reveal)
serve-reader-too-long = reader: longer than { $max } bytes
serve-reader-fixed = this service serves only the reader given with --reader
serve-several-cards = { $n } readers hold a card: name one with ?reader=NAME (see /v1/readers)
serve-internal = the card operation failed unexpectedly

## mynacard verify FILE.pdf (src/cli/report_text.rs)
pdf-summary = { $signatures } signature(s), { $revisions } revision(s)
pdf-signature = signature { $n } ({ $field }, { $subfilter }): { $verdict }
pdf-whole-file = , the whole file
pdf-signed-revision = signed revision { $revision } of { $of }{ $whole }
pdf-claimed-time = claimed signing time (/M, unsigned): { $time }
pdf-problem = problem: { $problem }
pdf-changed = changed after signing: { $change }
pdf-overall = overall: { $verdict }
pdf-verdict-valid = valid: the signature is good and nothing but signatures or validation data was added after it
pdf-verdict-modified = valid for its revision, but the document was modified after signing (see the changes)
pdf-verdict-revocation-unknown = signature good, but the signer's revocation status is unknown
pdf-verdict-invalid = NOT valid
pdf-change-signature = another signature was added
pdf-change-dss = validation data (DSS) was added
pdf-change-annotations = annotations were added or changed
pdf-change-forms = form fields were added or changed
pdf-change-metadata = the document information or metadata was changed
pdf-change-content = the document content or structure was changed
pdf-change-trailing-data = bytes were appended after the last revision
pdf-problem-no-byte-range = the signature has no valid /ByteRange (four non-negative integers)
pdf-problem-no-contents = the signature has no /Contents string
pdf-problem-byte-range-start = /ByteRange does not start at byte 0
pdf-problem-byte-range-order = /ByteRange ranges overlap, are empty or run past the end of the file
pdf-problem-gap-not-contents = the /ByteRange gap is not exactly this signature's /Contents hex string
pdf-problem-not-revision-end = the signed range ends at byte { $end }, which is not the end of a revision (%%EOF)
pdf-problem-contents-not-cms = /Contents is not a CMS signature: { $why }
pdf-problem-contents-trailing = /Contents has non-zero bytes after the CMS signature
pdf-problem-subfilter = unsupported /SubFilter { $name }
pdf-problem-cms = the CMS signature cannot be checked: { $why }
sign-pdf-note = note: { $file } is a PDF: signing it as a PDF (--format pdf); --format cms makes a detached CMS signature instead
sign-pdf-only = --reason, --location, --contact, --name, --visible and --subfilter need --format pdf
sign-pdf-cannot-sign = cannot sign { $file }
sign-pdf-cannot-read = cannot read { $file }
sign-not-saved = cannot write { $path } (the card made a signature, which was not saved)
verify-pdf-no-cert = --cert is not used with a PDF (its signatures carry their certificates)
help-sign--reason = PDF: the reason for signing (/Reason)
help-sign--location = PDF: where it was signed (/Location)
help-sign--contact = PDF: how to contact the signer (/ContactInfo)
help-sign--name = PDF: the signer's name as written in the signature dictionary (/Name)
help-sign--visible = PDF: a visible signature on PAGE (from 1) at X,Y (lower left, points) of size W,H, showing the signer's name from the certificate and the time
help-sign--subfilter = PDF: the signature profile
sign-ltv-pdf-only = --ltv and its sources (--crl, --ocsp, --net-timeout, --ocsp-hash, --hierarchy, --trust-anchor) need --format pdf
sign-ltv-sources-need-ltv = --crl, --ocsp, --net-timeout, --ocsp-hash, --hierarchy and --trust-anchor of `sign` are the sources of --ltv: give --ltv too
sign-ltv-no-source = --ltv needs a revocation source: --crl PATH or --ocsp URL (nothing else is contacted)
sign-ltv-revoked = --ltv: the signer certificate (SHA-256 { $sha256 }) is revoked according to { $source } (reason: { $reason }); nothing was signed
sign-ltv-unknown = --ltv: no configured source says the signer certificate (SHA-256 { $sha256 }) is good: { $why }; nothing was signed
sign-ltv-untrusted = --ltv: the signer certificate (SHA-256 { $sha256 }) is not valid now: { $why }; nothing was signed
sign-ltv-done = added PAdES B-LT validation data (DSS): { $certs } certificates, { $crls } CRLs, { $ocsps } OCSP responses
pdf-dss = document security store (DSS): { $certs } certificates, { $crls } CRLs, { $ocsps } OCSP responses, { $vri } VRI entries
help-sign--ltv = PDF: add PAdES B-LT validation data (a document security store with the signer's chain and its revocation data from --crl/--ocsp) in an update after the signature; nothing is signed unless those sources say the signer certificate is good
help-sign--crl = --ltv: CRL file or directory (DER or PEM); repeatable
help-sign--ocsp = --ltv: OCSP responder `http://` URL, or `aia` to use the certificate's own OCSP URL. Nothing else is ever contacted
help-sign--net-timeout = --ltv: overall deadline in seconds of each network exchange [default: 20]
help-sign--ocsp-hash = --ltv: CertID hash for OCSP requests [default: sha1]
help-sign--hierarchy = --ltv: pinned hierarchy to trust [default: production]
help-sign--trust-anchor = --ltv: also trust this root certificate (DER or PEM), e.g. the virtual card's; repeatable

## Verification warnings (mynacard::verify::Warning; src/cli/report_text.rs)
warn-certificate-algorithm = certificate signed with { $algorithm } (JPKI uses sha256WithRSAEncryption)
warn-holder-data = holder data: { $why }
warn-revocation-off = revocation checking is off (policy off)
warn-revocation-unknown-soft-fail = revocation status unknown ({ $why }); soft-fail policy
warn-revocation-not-checked-soft-fail = revocation not checked; soft-fail policy
warn-data-sha1 = data signature uses SHA-1

## Command-line errors (src/cli/help.rs parse_error_text; the other kinds are clap's own English)
clap-unknown-argument = unexpected argument { $arg }
clap-unknown-subcommand = unknown command { $name }
clap-missing-argument = a required argument is missing: { $arg }
clap-invalid-value = { $value } is not allowed for { $arg } (possible values: { $valid })
clap-value-validation = { $value } is not valid for { $arg }
clap-argument-conflict = { $arg } cannot be used with { $other }
clap-see-help = For more information, try '--help'.
