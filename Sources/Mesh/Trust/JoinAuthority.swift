import FoundationEssentials
public import Net
public import Storage

/// The hub side of joining, on a node holding the CA key. `join/request {token, csr, dns,
/// ip}`: the token is checked (hash, expiry, uses left) and its use counted in the same
/// transaction that signs, so a token can never sign more certificates than it allows; the
/// CA sets the certificate's names itself (the node id from the CSR, plus the DNS/IP names
/// asked for). `join/renew {csr, dns, ip}` from a member re-signs for the same node id.
public struct JoinAuthority: Sendable {
    let database: Database
    let authority: CertificateAuthority
    let hubNodeID: String
    /// Days a node certificate is valid; members renew at two thirds of it.
    let validityDays: Int
    /// The current members and revocations, sent to the new node.
    let members: @Sendable () async -> JSONValue
    let revocations: @Sendable () async -> [String]
    /// Stamps the replicated `join_token_uses` row (uses per token and signing node) written
    /// in the transaction that spends a use, so every member sees how each token was used.
    let origin: ReplicaOrigin?

    static let maxNames = 8

    public init(database: Database, authority: CertificateAuthority, hubNodeID: String, validityDays: Int,
                members: @escaping @Sendable () async -> JSONValue, revocations: @escaping @Sendable () async -> [String],
                origin: ReplicaOrigin? = nil) {
        self.origin = origin
        self.database = database
        self.authority = authority
        self.hubNodeID = hubNodeID
        self.validityDays = validityDays
        self.members = members
        self.revocations = revocations
    }

    public func handle(method: String, params: JSONValue, caller: MeshCaller) async throws(MeshError) -> JSONValue {
        let request = CertificateSigningRequest(pem: params["csr"]?.stringValue ?? "")
        let subject: String
        do {
            subject = try request.verifiedPublicKey().subject
        } catch {
            throw MeshError(.joinRefused, "csr: not a valid, self-signed certificate request: \(error)")
        }
        guard let nodeID = Self.commonName(subject), Membership.isValidNodeID(nodeID) else {
            throw MeshError(.joinRefused, "csr: its subject must be CN=<node id> (letters, digits, - _ .)")
        }
        let dns = try Self.names(params["dns"], label: "dns")
        let ips = try Self.names(params["ip"], label: "ip")
        let profile = CertificateAuthority.LeafProfile(
            commonName: nodeID, dnsNames: dns.isEmpty ? ["localhost"] : dns, uris: ["urn:triforce:node:\(nodeID)"],
            ipAddresses: ips.isEmpty ? ["127.0.0.1"] : ips, validityDays: validityDays)
        let certificate: Certificate
        switch method {
        case "join/request":
            guard nodeID != hubNodeID else { throw MeshError(.joinRefused, "that node id is the hub's own") }
            certificate = try await signWithToken(params["token"]?.stringValue ?? "", request: request, profile: profile)
        case "join/renew":
            guard case .member(let member) = caller, member == nodeID else {
                throw MeshError(.joinRefused, "join/renew: a member renews only its own certificate (CSR CN must be its node id)")
            }
            certificate = try await sign(request: request, profile: profile, token: nil)
        default:
            throw MeshError(.protocolViolation, "unknown join method \(method)")
        }
        return ["certificate": .string(certificate.pem), "ca": .string(authority.certificate.pem),
                "node_id": .string(nodeID), "hub": .string(hubNodeID),
                "not_after": .int(Int64(certificate.info.notAfter.timeIntervalSince1970)),
                "members": await members(), "revocations": .array(await revocations().map(JSONValue.string))]
    }

    func signWithToken(_ text: String, request: CertificateSigningRequest,
                       profile: CertificateAuthority.LeafProfile) async throws(MeshError) -> Certificate {
        let token = try JoinToken(text)
        return try await sign(request: request, profile: profile, token: token)
    }

    /// Checks and spends the token (when given), signs, and records the certificate, in one
    /// transaction: any failure rolls the use back.
    func sign(request: CertificateSigningRequest, profile: CertificateAuthority.LeafProfile,
              token: JoinToken?) async throws(MeshError) -> Certificate {
        let authority = authority
        let hash = token.map { JoinToken.hash(secret: $0.secret) }
        let now = Int64(Date().timeIntervalSince1970)
        do {
            let pem: String = try await database.transaction { connection in
                if let hash {
                    guard let row = try connection.queryOne("SELECT id, expires_at, uses_left FROM join_tokens WHERE secret_hash = ?", hash),
                          let id = row.string("id") else {
                        throw MeshError(.joinRefused, "unknown join token (not issued by this hub, or deleted)")
                    }
                    guard (row.int("expires_at") ?? 0) > now else { throw MeshError(.joinRefused, "join token expired") }
                    guard (row.int("uses_left") ?? 0) > 0 else { throw MeshError(.joinRefused, "join token already used up") }
                    _ = try connection.run("UPDATE join_tokens SET uses_left = uses_left - 1 WHERE id = ?", id)
                    if let origin {
                        _ = try connection.run("""
                            INSERT INTO join_token_uses(token_id, node, uses, hlc, origin) VALUES (?, ?, 1, ?, ?)
                            ON CONFLICT(token_id, node) DO UPDATE SET uses = uses + 1, hlc = excluded.hlc
                            """, id, origin.nodeID, origin.stamp(connection), origin.nodeID)
                    }
                }
                let certificate = try authority.sign(request: request, profile: profile)
                let info = certificate.info
                _ = try connection.run(
                    "INSERT OR REPLACE INTO issued_certificates (serial, name, subject, not_after, created_at) VALUES (?, ?, ?, ?, ?)",
                    info.serialHex, profile.commonName, info.subject, Int64(info.notAfter.timeIntervalSince1970), now)
                return certificate.pem
            }
            return try Certificate(pem: pem)
        } catch let error as MeshError {
            throw error
        } catch {
            throw MeshError(.joinRefused, "signing failed: \(error)")
        }
    }

    static func names(_ value: JSONValue?, label: String) throws(MeshError) -> [String] {
        guard let value, value != .null else { return [] }
        guard let items = value.arrayValue, items.count <= maxNames else {
            throw MeshError(.joinRefused, "\(label): at most \(maxNames) names, as an array of strings")
        }
        var names: [String] = []
        for item in items {
            guard let name = item.stringValue, !name.isEmpty, name.utf8.count <= 253,
                  name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != 0x2c }) else {
                throw MeshError(.joinRefused, "\(label): names must be short printable strings")
            }
            names.append(name)
        }
        return names
    }

    static func commonName(_ subject: String) -> String? {
        subject.split(separator: ",").map { $0.trimmed() }.first { $0.hasPrefix("CN=") }.map { String($0.dropFirst(3)) }
    }
}
