import Net

/// Loads and checks the HTTPS certificate and key before the server starts, so a bad file
/// is one clear line at start-up rather than a failure on the first handshake.
enum ServerTLS {
    static func configuration(certificateFile: String, keyFile: String) throws(ConfigurationError) -> TLSConfiguration {
        let certificatePEM: String, keyPEM: String
        let certificate: Certificate, key: PrivateKey
        do {
            certificatePEM = try PEMFile.read(certificateFile)
            certificate = try Certificate(pem: certificatePEM)
        } catch {
            throw ConfigurationError("cannot load TLS certificate \(certificateFile): \(error)")
        }
        do {
            keyPEM = try PEMFile.read(keyFile)
            key = try PrivateKey(pem: keyPEM)
        } catch {
            throw ConfigurationError("cannot load TLS key \(keyFile): \(error)")
        }
        // mbedTLS accepts a mismatched pair and fails every handshake later; compare the
        // public halves now.
        guard let keySPKI = try? key.spkiSHA256(), keySPKI == certificate.spkiSHA256 else {
            throw ConfigurationError("TLS key \(keyFile) does not match the certificate \(certificateFile)")
        }
        return .server(certificateChain: .pem(certificatePEM), privateKey: .pem(keyPEM))
    }
}
