import FoundationEssentials
@testable import Mesh
import Net
import Storage
import Testing
import TestSupport

/// The hub side of joining against a real SQLite file and a real CA.
@Suite("Join authority")
struct JoinAuthorityTests {
    struct Hub {
        let database: Database
        let authority: JoinAuthority
        let ca: CertificateAuthority
        let tokens: JoinTokenStore
    }

    static func hub() async throws -> Hub {
        let database = try await Database(path: TemporaryDirectory.make() + "/triforce.db")
        let ca = try CertificateAuthority.create()
        let authority = JoinAuthority(database: database, authority: ca, hubNodeID: "node-hub", validityDays: 30,
                                      members: { [["id": "node-hub"]] }, revocations: { ["0a"] })
        return Hub(database: database, authority: authority, ca: ca, tokens: JoinTokenStore(database: database))
    }

    static func params(token: String, nodeID: String, key: PrivateKey) throws -> JSONValue {
        ["token": .string(token), "csr": .string(try CertificateSigningRequest.create(key: key, commonName: nodeID).pem),
         "dns": ["node.example"], "ip": ["127.0.0.2"]]
    }

    @Test func aTokenSignsExactlyAsManyTimesAsItAllows() async throws {
        let hub = try await Self.hub()
        let (_, token) = try await hub.tokens.create(nodeID: "node-hub", meshAddress: "127.0.0.1:44433",
                                                     caPin: hub.ca.certificate.spkiSHA256, ttlSeconds: 600, uses: 1)
        let key = try PrivateKey.generateP256()
        let reply = try await hub.authority.handle(method: "join/request", params: Self.params(token: token, nodeID: "node-new", key: key),
                                                   caller: .anonymous)
        let certificate = try Certificate(pem: try #require(reply["certificate"]?.stringValue))
        #expect(certificate.info.nodeID == "node-new" && certificate.info.dnsNames == ["node.example"])
        let keyPin = try key.spkiSHA256()
        #expect(certificate.info.ipAddresses == ["127.0.0.2"] && certificate.spkiSHA256 == keyPin)
        #expect(reply["ca"]?.stringValue == hub.ca.certificate.pem && reply["revocations"] == ["0a"])
        #expect(try await hub.tokens.list().first?.usesLeft == 0)
        await #expect(throws: MeshError.self) {
            _ = try await hub.authority.handle(method: "join/request", params: Self.params(token: token, nodeID: "node-two", key: key),
                                               caller: .anonymous)
        }
        let issued = try await hub.database.read { try $0.scalar("SELECT count(*) FROM issued_certificates")?.int64 }
        #expect(issued == 1, "the refused join signed nothing")
        await hub.database.close()
    }

    @Test func refusalsSayWhy() async throws {
        let hub = try await Self.hub()
        let key = try PrivateKey.generateP256()
        let pin = hub.ca.certificate.spkiSHA256
        let now = Int64(Date().timeIntervalSince1970)
        let (_, expired) = try await hub.tokens.create(nodeID: "node-hub", meshAddress: "127.0.0.1:1", caPin: pin,
                                                       ttlSeconds: 60, uses: 5, now: now - 3600)
        let (_, good) = try await hub.tokens.create(nodeID: "node-hub", meshAddress: "127.0.0.1:1", caPin: pin, ttlSeconds: 600, uses: 5)
        let other = try await Self.hub()
        let (_, foreign) = try await other.tokens.create(nodeID: "x", meshAddress: "127.0.0.1:1", caPin: pin, ttlSeconds: 600, uses: 1)
        func refusal(_ params: JSONValue, method: String = "join/request", caller: MeshCaller = .anonymous) async -> String {
            do {
                _ = try await hub.authority.handle(method: method, params: params, caller: caller)
                return "accepted"
            } catch {
                return error.message
            }
        }
        #expect(await refusal(try Self.params(token: expired, nodeID: "n1", key: key)).contains("expired"))
        #expect(await refusal(try Self.params(token: foreign, nodeID: "n1", key: key)).contains("unknown join token"))
        #expect(await refusal(try Self.params(token: "tfjoin1.garbage", nodeID: "n1", key: key)).contains("join token"))
        #expect(await refusal(["token": .string(good), "csr": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"]).contains("csr"))
        #expect(await refusal(try Self.params(token: good, nodeID: "node-hub", key: key)).contains("hub's own"))
        var tooMany = try Self.params(token: good, nodeID: "n1", key: key)
        if case .object(var fields) = tooMany { fields["dns"] = .array((0..<9).map { .string("d\($0)") }); tooMany = .object(fields) }
        #expect(await refusal(tooMany).contains("at most"))
        // Renewal: a member renews only itself, with no token.
        #expect(await refusal(try Self.params(token: "", nodeID: "n1", key: key), method: "join/renew", caller: .member("n2")).contains("only its own"))
        #expect(await refusal(try Self.params(token: "", nodeID: "n1", key: key), method: "join/renew", caller: .member("n1")) == "accepted")
        #expect(try await hub.tokens.list().map(\.usesLeft).sorted() == [5, 5], "no refused join spent a use")
        await hub.database.close()
        await other.database.close()
    }
}
