/// Writing CA material to disk: certificates 0644, private keys 0600.
extension CertificateAuthority {
    /// Writes `ca.crt` and `ca.key` (0600) into `directory`.
    public func write(toDirectory directory: String, certificateName: String = "ca.crt",
                      keyName: String = "ca.key") throws(TLSError) {
        try PEMFile.write(certificate.pem, to: directory + "/" + certificateName, permissions: 0o644)
        try PEMFile.write(try key.privateKeyPEM(), to: directory + "/" + keyName, permissions: 0o600)
    }

    /// Writes a leaf certificate and its private key (0600).
    public static func write(certificate: Certificate, key: PrivateKey, certificatePath: String,
                             keyPath: String) throws(TLSError) {
        try PEMFile.write(certificate.pem, to: certificatePath, permissions: 0o644)
        try PEMFile.write(try key.privateKeyPEM(), to: keyPath, permissions: 0o600)
    }
}
