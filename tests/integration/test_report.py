"""Service reports (docs/report.md): the PDF a technician makes offline,
the recipient reads and co-signs, the dispatcher prints with both
signatures verified, and anyone checks with `wo verify` or openssl.

pdftotext, pdftoppm and pdfdetach (poppler-utils) read the PDFs the way a
person's tools would; jq and openssl check the evidence with no code of
ours."""
import json
import os
import pty
import re
import shutil
import subprocess
import unittest

from harness import BIN, WO, Env

ARTIFACTS = os.environ.get("WO_ARTIFACTS") or os.path.abspath(
    os.path.join(BIN, "..", "artifacts"))

NOTE_ID = ("Katup pengaman macet; sudah diganti dengan yang baru. Tekanan "
           "stabil di 1,5 bar setelah pengujian selama tiga puluh menit. "
           "Pelanggan diberi penjelasan tentang perawatan berkala, "
           "pemeriksaan mingguan dan jadwal kalibrasi berikutnya. ")
NOTES = [
    NOTE_ID * 14,   # long: wraps and flows across a page
    "Pompa sirkulasi diperiksa: bunyi halus, suhu normal (62 °C). "
    "Señal recibida; café, naïve, Ångström, Łódź.",
]
PARTS = [("VLV-22", "1", "katup pengaman", ["SN-0042"]),
         ("GSK-7", "4", "paking karet", ["GK-1001", "GK-1002", "GK-1003",
                                         "GK-1004"]),
         ("PMP-3", "1", "pompa sirkulasi", ["PM-77-ÅB"])]


def text(pdf, body=False):
    """The PDF's text as pdftotext gives it (rows as laid out), whitespace
    squeezed; with body, without each page's header and footer line."""
    r = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", pdf, "-"],
                       capture_output=True, check=True)
    out = []
    for page in r.stdout.decode().split("\f"):
        lines = [l for l in page.splitlines() if l.strip()]
        out += lines[1:-1] if body else lines
    return re.sub(r"\s+", " ", " ".join(out))


def squeezed(s):
    return re.sub(r"\s+", "", s)


def pages(pdf):
    r = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True,
                       check=True)
    return int(re.search(r"^Pages:\s+(\d+)", r.stdout, re.M).group(1))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def rewrite_evidence(pdf, out, change):
    """A copy of pdf whose attached evidence JSON went through change().
    The new JSON is written compact and padded with spaces to the old
    length, so it replaces the old bytes in place and every offset in the
    PDF stays right: only the evidence differs."""
    data = read(pdf)
    start = data.index(b"/Type /EmbeddedFile")
    length = int(re.search(rb"/Length (\d+)", data[start:]).group(1))
    body = data.index(b"stream\n", start) + 7
    ev = json.loads(data[body:body + length])
    change(ev)
    new = json.dumps(ev, separators=(",", ":"), ensure_ascii=False).encode()
    assert len(new) <= length, "the changed evidence got longer"
    new += b" " * (length - len(new))
    write(out, data[:body] + new + data[body + length:])


class Report(Env):
    def setUp(self):
        super().setUp()
        self.enroll("disp", "dispatcher")
        self.enroll("alice", "technician")
        os.makedirs(ARTIFACTS, exist_ok=True)
        self.out = os.path.join(self.dir, "out")
        os.makedirs(self.out)

    def pdf(self, name):
        return os.path.join(self.out, name)

    def job(self, parts=PARTS, notes=NOTES):
        """An order done offline: 2 visits, parts with serials, notes."""
        o = self.create(title="Boiler bocor di ruang mesin", prio="P1",
                        assign="alice", site="Pabrik 3, Cikarang",
                        asset="B-7", requester="Budi Santoso",
                        contact="+62 21 555 0100",
                        description="Air menetes dari katup pengaman")
        wo = str(o["id"])
        self.wo("alice", "sync")
        self.stop_server()              # no network from here on
        self.wo("alice", "accept", wo)
        self.wo("alice", "depart", wo)
        self.wo("alice", "visit", "start", wo)
        self.wo("alice", "note", wo, notes[0])
        self.wo("alice", "visit", "end", wo, "--outcome", "needs-parts")
        self.wo("alice", "visit", "start", wo)
        for no, qty, desc, serials in parts:
            args = ["part", wo, no, "--qty", qty, "--desc", desc]
            for s in serials:
                args += ["--serial", s]
            self.wo("alice", *args)
        for n in notes[1:]:
            self.wo("alice", "note", wo, n)
        self.wo("alice", "visit", "end", wo, "--outcome", "done")
        self.wo("alice", "sign", wo)
        return o

    def verify(self, pdf, ok=True, home=False):
        """wo verify as on another machine: no home, another directory."""
        env = {k: v for k, v in os.environ.items() if k != "WO_HOME"}
        r = subprocess.run([WO, "verify", pdf, "--json"], capture_output=True,
                           text=True, timeout=60, env=env, cwd=self.out)
        self.assert_clean(r.stderr)
        self.assertEqual(r.returncode, 0 if ok else 1, r.stdout + r.stderr)
        return json.loads(r.stdout)

    def render(self, pdf, prefix):
        """pdftoppm renders every page without an error."""
        r = subprocess.run(["pdftoppm", "-r", "60", "-png", pdf,
                            os.path.join(self.out, prefix)],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("Error", r.stderr)
        pngs = sorted(f for f in os.listdir(self.out)
                      if f.startswith(prefix) and f.endswith(".png"))
        self.assertEqual(len(pngs), pages(pdf))
        return [os.path.join(self.out, p) for p in pngs]

    def test_offline_report_cosign_dispatcher_verify(self):
        o = self.job()
        wo, code = str(o["id"]), o["recipient_code"]
        # offline, the technician's laptop verifies its own signature
        shown = self.wo("alice", "show", wo).stdout
        self.assertIn("verified on this device", shown)
        self.assertNotIn("NOT verified", shown)

        # the draft: technician signed, recipient not yet
        draft = self.pdf("draft.pdf")
        self.wo("alice", "report-pdf", wo, "--out", draft)
        t = text(draft)
        self.assertIn("DRAFT", t)
        self.assertEqual(t.count("DRAFT — not signed by both parties"),
                         pages(draft))
        v = self.verify(draft, ok=False)
        self.assertFalse(v["complete"])
        self.assertTrue(v["text"]["ok"], v)
        self.assertEqual([s["valid"] for s in v["signatures"]], [True])

        # not on a terminal, cosign goes on as before (scripts, tests)
        self.wo("alice", "cosign", wo, "--name", "Budi Santoso", "--code",
                code)
        final = self.pdf("final.pdf")
        out = self.wo("alice", "report-pdf", wo, "--out", final).stdout
        self.assertIn("final", out)
        self.assertIn("2 of 2 signatures verified", out)
        t = text(final)
        self.assertNotIn("DRAFT", t)
        for field in ("Work order " + wo, "Boiler bocor di ruang mesin",
                      "P1", "Pabrik 3, Cikarang", "B-7", "Budi Santoso",
                      "+62 21 555 0100", "Air menetes dari katup pengaman",
                      "alice", "Response", "met", "Resolution",
                      "Visit 1", "Visit 2", "needs parts", "done",
                      "Technician", "Recipient", "signature valid",
                      "done and satisfactory", "Page 1 of"):
            self.assertIn(field, t)
        for no, qty, desc, serials in PARTS:
            self.assertIn(no, t)
            self.assertIn("qty " + qty, t)
            self.assertIn(desc, t)
            for s in serials:
                self.assertIn(s, t)
        for n in NOTES:     # whole, in order, even across a page break
            self.assertIn(squeezed(n), squeezed(text(final, body=True)))
        self.assertGreater(pages(final), 1)
        pngs = self.render(final, "final")
        shutil.copy(pngs[0], os.path.join(ARTIFACTS, "report-page1.png"))
        subprocess.run(["pdftoppm", "-r", "110", "-png", "-f", "1", "-l", "1",
                        "-singlefile", final,
                        os.path.join(ARTIFACTS, "report-page1-large")],
                       check=True)
        # the evidence's digests are the ones the pages show
        v = self.verify(final)
        self.assertTrue(v["valid"] and v["complete"] and v["text"]["ok"], v)
        self.assertEqual({s["role"]: s["signer"] for s in v["signatures"]},
                         {"technician": "alice", "recipient": "Budi Santoso"})
        for s in v["signatures"]:
            self.assertTrue(s["valid"], s)
            self.assertIn(s["statement_sha256"], squeezed(t))
            self.assertIn(s["key_sha256"], squeezed(t))
            self.assertEqual(s["parts"], {"signed": 3, "held": 3})
            self.assertEqual(s["notes"], {"signed": 2, "held": 2})
            self.assertEqual(s["visits"], {"signed": 2, "held": 2})

        # the PDF has a title and metadata
        info = subprocess.run(["pdfinfo", final], capture_output=True,
                              text=True, check=True).stdout
        self.assertIn("Boiler bocor di ruang mesin", info)
        self.assertRegex(info, r"Tagged:\s+yes")
        self.assertRegex(info, r"Creator:\s+wo")

        # a flipped byte in the evidence: NOT verified, with the reason
        data = bytearray(read(final))
        stmt = data.index(b'"statement": "wo-statement/1')
        at = data.index(b"\\nvisit ", stmt) + 9     # in a record's id
        data[at] ^= 0x01
        flipped = self.pdf("flipped.pdf")
        write(flipped, bytes(data))
        v = self.verify(flipped, ok=False)
        self.assertFalse(v["valid"])
        bad = [s for s in v["signatures"] if not s["valid"]]
        self.assertTrue(bad and bad[0]["reason"], v)
        r = self.wo("alice", "verify", flipped, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("NOT VALID", r.stdout)

        # a statement swapped for the other signer's
        def swap(ev):
            a, b = ev["signatures"]
            a["statement"], b["statement"] = b["statement"], a["statement"]
        swapped = self.pdf("swapped.pdf")
        rewrite_evidence(final, swapped, swap)
        v = self.verify(swapped, ok=False)
        self.assertTrue(all(not s["valid"] for s in v["signatures"]), v)
        self.assertIn("SHA-256", v["signatures"][0]["reason"])

        # the evidence says another title than the pages: the signatures
        # still hold (titles are not signed), the page text does not
        def retitle(ev):
            ev["order"]["title"] = "Boiler diganti seluruhnya"
        retitled = self.pdf("retitled.pdf")
        rewrite_evidence(final, retitled, retitle)
        v = self.verify(retitled, ok=False)
        self.assertTrue(all(s["valid"] for s in v["signatures"]), v)
        self.assertFalse(v["text"]["ok"])
        self.assertIn("differs", v["text"]["reason"])

        # network back: the dispatcher prints the final report online
        self.start_server()
        self.wo("alice", "sync")
        disp = self.pdf("dispatcher.pdf")
        out = self.wo("disp", "report-pdf", wo, "--out", disp).stdout
        self.assertIn("2 of 2 signatures verified", out)
        v = self.verify(disp)
        self.assertTrue(v["valid"], v)
        t = text(disp)
        self.assertIn("closed", t)
        for field in ("alice", "Budi Santoso", "SN-0042", "GK-1004"):
            self.assertIn(field, t)
        self.render(disp, "disp")

    def test_evidence_checks_with_openssl_alone(self):
        """docs/report.md, "Checking without wo", command for command."""
        o = self.job()
        self.wo("alice", "cosign", str(o["id"]), "--name", "Budi Santoso",
                "--code", o["recipient_code"])
        pdf = self.pdf("r.pdf")
        self.wo("alice", "report-pdf", str(o["id"]), "--out", pdf)
        script = """
set -e
pdfdetach -list report.pdf
pdfdetach -savefile wo-evidence.json -o evidence.json report.pdf
for i in 0 1; do
  jq -j ".signatures[$i].statement" evidence.json > statement.txt
  jq -j ".signatures[$i].public_key_pem" evidence.json > key.pem
  jq -r ".signatures[$i].signature" evidence.json | base64 -d > sig.bin
  openssl dgst -sha256 -binary statement.txt > statement.sha256
  openssl pkeyutl -verify -pubin -inkey key.pem -rawin \\
      -in statement.sha256 -sigfile sig.bin
  openssl dgst -sha256 -r statement.txt | cut -c1-64
  jq -r ".signatures[$i].statement_sha256" evidence.json
  openssl pkey -pubin -in key.pem -outform DER | tail -c 32 |
      openssl dgst -sha256 -r | cut -c1-64
  jq -r ".signatures[$i].public_key_sha256" evidence.json
done
# each record's hash, from its fields, is in the (last) statement
jq -j '.order.id as $o | .visits[0] | ["visit", .id, ($o|tostring), .tech,
  (.started_at|tostring), ((.ended_at // 0)|tostring), (.outcome // "")]
  | map("\\(utf8bytelength):\\(.),") | join("")' evidence.json |
  openssl dgst -sha256 -r | cut -c1-64 > h.visit
jq -j '.order.id as $o | .parts[0] | ["part", .id, ($o|tostring), .author,
  (.at|tostring), .part_no, (.qty|tostring), (.desc // ""),
  (.serials|length|tostring)] + .serials
  | map("\\(utf8bytelength):\\(.),") | join("")' evidence.json |
  openssl dgst -sha256 -r | cut -c1-64 > h.part
jq -j '.order.id as $o | .notes[0] | ["note", .id, ($o|tostring), .author,
  (.at|tostring), .text] | map("\\(utf8bytelength):\\(.),") | join("")' \
  evidence.json | openssl dgst -sha256 -r | cut -c1-64 > h.note
for k in visit part note; do grep -q -F -f h.$k statement.txt; done
echo records-match
"""
        shutil.copy(pdf, os.path.join(self.out, "report.pdf"))
        r = subprocess.run(["sh", "-c", script], cwd=self.out,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.count("Signature Verified Successfully"), 2)
        self.assertIn("records-match", r.stdout)
        lines = [l for l in r.stdout.splitlines() if re.fullmatch(
            "[0-9a-f]{64}", l)]
        self.assertEqual(len(lines), 8)
        for i in range(0, 8, 2):
            self.assertEqual(lines[i], lines[i + 1])
        # the digests openssl computed are the ones printed on the pages
        t = squeezed(text(pdf))
        for l in lines:
            self.assertIn(l, t)
        # a changed statement no longer verifies with openssl either
        r = subprocess.run(["sh", "-c", "sed -i 's/signed-at 1/signed-at 2/' "
                            "statement.txt && openssl dgst -sha256 -binary "
                            "statement.txt > statement.sha256 && openssl "
                            "pkeyutl -verify -pubin -inkey key.pem -rawin "
                            "-in statement.sha256 -sigfile sig.bin"],
                           cwd=self.out, capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)

    def test_cosign_on_a_terminal_shows_the_report_and_asks(self):
        o = self.job()
        wo, code = str(o["id"]), o["recipient_code"]

        def on_tty(answer):
            main, sub = pty.openpty()
            p = subprocess.Popen([WO, "--home", self.home("alice"), "cosign",
                                  wo, "--name", "Budi Santoso", "--code",
                                  code], stdin=sub, stdout=sub, stderr=sub)
            os.close(sub)
            out = b""
            while b"[y/N]" not in out:
                chunk = os.read(main, 65536)
                if not chunk:
                    break
                out += chunk
            os.write(main, answer + b"\n")
            try:
                while True:
                    chunk = os.read(main, 65536)
                    if not chunk:
                        break
                    out += chunk
            except OSError:
                pass            # the terminal closed with the process
            rc = p.wait(timeout=30)
            os.close(main)
            return rc, out.decode()

        rc, out = on_tty(b"n")
        self.assertEqual(rc, 1)
        for field in ("Boiler bocor di ruang mesin", "VLV-22", "SN-0042",
                      "Visit 2", "Katup pengaman macet", "alice",
                      "signature valid", "Recipient: not signed yet",
                      "Co-sign as Budi Santoso? [y/N]", "not co-signed"):
            self.assertIn(field, out)
        self.assertEqual(self.wo_json("alice", "show", wo)["status"],
                         "completed")
        rc, out = on_tty(b"y")
        self.assertEqual(rc, 0, out)
        self.assertIn("recorded sign.recipient", out)
        self.assertEqual(self.wo_json("alice", "show", wo)["status"],
                         "closed")

    def test_200_parts_paginate_and_indonesian_labels(self):
        parts = [("P-%03d" % i, str(1 + i % 5), "baut M%d" % (6 + i % 9),
                  ["S%03d-A" % i]) for i in range(200)]
        o = self.job(parts=parts, notes=NOTES[1:])
        self.wo("alice", "cosign", str(o["id"]), "--name", "Budi Santoso",
                "--code", o["recipient_code"])
        pdf = self.pdf("big.pdf")
        env = dict(os.environ, LANG="id_ID.UTF-8")
        self.wo("alice", "report-pdf", str(o["id"]), "--out", pdf, env=env)
        n = pages(pdf)
        self.assertGreaterEqual(n, 5)
        t = text(pdf)
        for no, qty, desc, serials in parts:
            self.assertIn(no + " jumlah " + qty, t)
            self.assertIn(serials[0], t)
        for label in ("Laporan servis", "Suku cadang (200)", "Kunjungan 2",
                      "Penerima", "tanda tangan sah", "Halaman %d dari %d"
                      % (n, n)):
            self.assertIn(label, t)
        self.render(pdf, "big")
        v = self.verify(pdf)   # verify itself runs in English
        self.assertEqual(v["signatures"][0]["parts"],
                         {"signed": 200, "held": 200})


class Module(unittest.TestCase):
    """The PDF half lives in wo-pdf.so, loaded only for report-pdf and
    verify: other commands start without it, and a wo installed without it
    says what is missing instead of failing to start."""

    def test_other_commands_do_not_load_the_pdf_libraries(self):
        libs = subprocess.run(["ldd", WO], capture_output=True, text=True,
                              check=True).stdout
        for lib in ("libcairo", "libpango", "libpoppler", "libqrencode"):
            self.assertNotIn(lib, libs)
        self.assertTrue(os.path.exists(os.path.join(
            BIN, "..", "lib", "wo", "wo-pdf.so")))

    def test_a_missing_module_is_named(self):
        d = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                         "wo-nomodule-%d" % os.getpid())
        os.makedirs(os.path.join(d, "bin"), exist_ok=True)
        try:
            shutil.copy(WO, os.path.join(d, "bin", "wo"))
            pdf = os.path.join(d, "x.pdf")
            with open(pdf, "wb") as f:
                f.write(b"%PDF-1.5\n")
            r = subprocess.run([os.path.join(d, "bin", "wo"), "verify",
                                pdf], capture_output=True, text=True)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("cannot load the PDF module", r.stderr)
            self.assertIn("reinstall", r.stderr)
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    unittest.main()
