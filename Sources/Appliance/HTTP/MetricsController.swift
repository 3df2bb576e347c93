import Auth
import Core
import Hummingbird
import HTTPTypes
import Net
import NIOCore
import Telemetry

/// `GET /metrics`: Prometheus text. Readable with the `metrics_token` setting as a bearer
/// token (for the scraper, compared in constant time) or with admin credentials.
/// The path is public to the auth middleware so the scrape token, which is no user
/// credential, reaches this check.
struct MetricsController: Sendable {
    let registry: MetricsRegistry
    let auth: AuthServices
    /// SHA-256 of the configured token: comparing digests keeps the compare constant-time
    /// whatever length the caller sends. Nil when unset (admin credentials only).
    let tokenDigest: [UInt8]?

    init(registry: MetricsRegistry, auth: AuthServices, metricsToken: String?) {
        self.registry = registry
        self.auth = auth
        self.tokenDigest = metricsToken.flatMap { $0.isEmpty ? nil : SHA256.hash(Array($0.utf8)) }
    }

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/metrics") { request, context in
            try await authorize(request.headers, address: context.clientAddress)
            let body = await registry.exposition()
            return Response(status: .ok, headers: [.contentType: MetricsRegistry.contentType],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }

    func authorize(_ headers: HTTPFields, address: String) async throws {
        let credential = try Authenticator.credential(in: headers)
        guard let credential else {
            throw APIError.unauthorized("metrics: send Authorization: Bearer <metrics_token> or an admin's token")
        }
        if let tokenDigest, constantTimeEquals(SHA256.hash(Array(credential.utf8)), tokenDigest) { return }
        let principal = try await auth.authenticator.principal(headers: headers, address: address)
        guard !principal.isGuest else {
            throw APIError.unauthorized("metrics: send Authorization: Bearer <metrics_token> or an admin's token")
        }
        try await auth.policy.require(.admin, for: principal)
    }
}
