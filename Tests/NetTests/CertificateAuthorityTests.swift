import FoundationEssentials
import Glibc
import Net
import Testing
import TestSupport

@Suite("CertificateAuthority")
struct CertificateAuthorityTests {
    @Test func issuedCertificatesVerifyWithOpenSSL() async throws {
        let pki = try TestPKI()
        let serverCheck = try await Subprocess.run(["openssl", "verify", "-CAfile", pki.caPath, pki.serverCertPath])
        #expect(serverCheck.status == 0, "\(serverCheck.stdout) \(serverCheck.stderr)")
        let clientCheck = try await Subprocess.run(["openssl", "verify", "-CAfile", pki.caPath,
                                                "-purpose", "sslclient", pki.clientCertPath])
        #expect(clientCheck.status == 0, "\(clientCheck.stdout) \(clientCheck.stderr)")
    }

    @Test func leafCarriesSANsUsagesAndRandomSerial() async throws {
        let pki = try TestPKI()
        let info = pki.serverCertificate.info
        #expect(info.commonName == "server")
        #expect(info.uris == ["urn:triforce:node:server-1"])
        #expect(info.dnsNames == ["localhost"])
        #expect(info.ipAddresses == ["127.0.0.1"])
        #expect(info.serialHex.count == 32)
        #expect(info.serialHex != pki.clientCertificate.info.serialHex)
        #expect(pki.clientCertificate.info.nodeID == "node-client-1")

        let text = try await Subprocess.run(["openssl", "x509", "-in", pki.serverCertPath, "-noout", "-text"])
        #expect(text.stdout.contains("URI:urn:triforce:node:server-1"))
        #expect(text.stdout.contains("DNS:localhost"))
        #expect(text.stdout.contains("IP Address:127.0.0.1"))
        #expect(text.stdout.contains("TLS Web Server Authentication, TLS Web Client Authentication"))
        #expect(text.stdout.contains("Digital Signature, Key Encipherment"))
        #expect(text.stdout.contains("CA:FALSE"))
        // openssl prints the serial as colon-separated hex: same digits as ours.
        #expect(text.stdout.replacing(":", with: "").contains(info.serialHex))

        let caText = try await Subprocess.run(["openssl", "x509", "-in", pki.caPath, "-noout", "-text"])
        #expect(caText.stdout.contains("CA:TRUE"))
        #expect(caText.stdout.contains("Certificate Sign, CRL Sign"))
        #expect(caText.stdout.contains("prime256v1"))
        let days = pki.ca.certificate.info.notAfter.timeIntervalSince(Date()) / 86400
        #expect(days > 3640 && days < 3660)
    }

    @Test func spkiPinMatchesOpenSSL() async throws {
        let pki = try TestPKI()
        let pin = pki.ca.certificate.spkiSHA256
        #expect(pin == (try pki.ca.key.spkiSHA256()))
        let openssl = try await Subprocess.run(["sh", "-c",
            "openssl x509 -in '\(pki.caPath)' -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r"])
        #expect(openssl.stdout.hasPrefix(pin), "\(openssl.stdout) vs \(pin)")
    }

    @Test func keyFilesAreOwnerOnly() throws {
        let pki = try TestPKI()
        var info = stat()
        #expect(stat(pki.directory.path + "/ca.key", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat(pki.serverKeyPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat(pki.caPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o644)
    }

    /// Only EC requests are verified: an RSA one is refused before its signature is checked.
    @Test func rsaCSRIsRefused() async throws {
        let made = try await Subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "/dev/null",
                                             "-subj", "/CN=n2", "-outform", "PEM"])
        #expect(made.status == 0 && made.stdout.contains("CERTIFICATE REQUEST"), "\(made.stderr)")
        #expect(throws: TLSError.self) { _ = try CertificateSigningRequest(pem: made.stdout).verifiedPublicKey() }
        let ec = try CertificateSigningRequest.create(key: try PrivateKey.generateP256(), commonName: "n2")
        #expect(try ec.verifiedPublicKey().subject.contains("CN=n2"))
    }

    @Test func reloadedCASignsPublicKeyAndRejectsForgedCSR() throws {
        let pki = try TestPKI()
        let reloaded = try CertificateAuthority(certificateFile: pki.caPath, keyFile: pki.directory.path + "/ca.key")
        let key = try PrivateKey.generateP256()
        let publicKey = try PublicKey(pem: key.publicKeyPEM())
        let leaf = try reloaded.sign(publicKey: publicKey, profile: .init(commonName: "n2", uris: ["urn:triforce:node:n2"]))
        #expect(leaf.info.issuer == pki.ca.certificate.info.subject)
        #expect(leaf.info.spkiSHA256 == (try key.spkiSHA256()))

        // A CSR whose signature bytes were tampered with fails proof of possession.
        let csr = try CertificateSigningRequest.create(key: key, commonName: "n2")
        var lines = csr.pem.split(separator: "\n").map(String.init)
        let index = lines.count - 2
        var last = Array(lines[index])
        last[max(0, last.count - 6)] = last[max(0, last.count - 6)] == "A" ? "B" : "A"
        lines[index] = String(last)
        let forged = CertificateSigningRequest(pem: lines.joined(separator: "\n") + "\n")
        #expect(throws: TLSError.self) { _ = try reloaded.sign(request: forged, profile: .init(commonName: "n2")) }
        #expect(throws: TLSError.self) { _ = try Certificate(pem: "not a certificate") }
    }
}
