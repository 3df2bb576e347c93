import Core
public import Hummingbird
public import Net
public import HTTPTypes

/// The one enforcement point for every route registered after it:
/// 1. resolves the client address (X-Forwarded-For only from trusted proxies);
/// 2. public paths pass as guests without looking at credentials;
/// 3. otherwise authenticates (token, key, or guest) into `context.principal` — bad
///    credentials are 401 even where a guest would be allowed;
/// 4. checks the path's required feature through the policy (401/403);
/// 5. on rate-limited paths counts the request (429 + Retry-After when over), and stamps
///    `X-RateLimit-Limit/Remaining/Reset` on the response, errors included.
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    public let services: AuthServices

    public init(services: AuthServices) { self.services = services }

    @concurrent public func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        // The checks run in their own frame, gone before the route runs: this frame stays
        // alive for the whole request phase (a stream's until its answer starts), and holding
        // the checks' state across `next` made it 4.3 KB per request in flight, now 2.6 KB
        // (bench/heap.sh, frames from malloc: README Performance "Memory").
        let (context, rateHeaders) = try await admit(request, context: context)
        guard let rateHeaders else { return try await next(request, context) }
        do {
            var response = try await next(request, context)
            for field in rateHeaders { response.headers[field.name] = field.value }
            return response
        } catch var error as APIError {
            for field in rateHeaders { error.headers[field.name] = field.value }
            throw error
        }
    }

    /// Steps 1–5 before the route: the context the route runs with, and the rate-limit
    /// headers to stamp on its response (nil where the path or tier has no limit).
    @inline(never)
    func admit(_ request: Request, context: Context) async throws -> (Context, HTTPFields?) {
        var context = context
        context.clientAddress = ClientAddress.resolve(peer: context.clientAddress, forwardedFor: request.headers.value(.xForwardedFor),
                                                      trusted: services.configuration.trustedProxies)
        // The matched route pattern when the router has one (robust against path tricks),
        // else the request path.
        let rule = AccessRule.first(for: context.endpointPath ?? request.uri.path, in: services.configuration.rules)
        if rule?.isPublic == true {
            context.principal = .guest(address: context.clientAddress)
            return (context, nil)
        }
        let principal = try await services.authenticator.principal(headers: request.headers, address: context.clientAddress)
        context.principal = principal
        if let feature = rule?.feature { try await services.policy.require(feature, for: principal) }
        guard rule?.rateLimited == true else { return (context, nil) }

        let tier = try await services.policy.tier(for: principal)
        guard let limit = tier.requestsPerHour else { return (context, nil) }
        let decision = try await services.limiter.consume(subject: principal.subject, limitPerHour: limit)
        let headers = Self.headers(decision)
        guard decision.allowed else {
            throw APIError.rateLimited("rate limit of \(limit) requests per hour for the \(tier.name) tier reached; retry in \(decision.retryAfterSeconds) s",
                                       retryAfterSeconds: decision.retryAfterSeconds, headers: headers)
        }
        return (context, headers)
    }

    static func headers(_ decision: RateLimiter.Decision) -> HTTPFields {
        [
            .xRateLimitLimit: String(decision.limit),
            .xRateLimitRemaining: String(decision.remaining),
            .xRateLimitReset: String(decision.resetSeconds),
        ]
    }
}

extension HTTPField.Name {
    public static let xForwardedFor = Self("X-Forwarded-For")!
    public static let xRateLimitLimit = Self("X-RateLimit-Limit")!
    public static let xRateLimitRemaining = Self("X-RateLimit-Remaining")!
    /// Seconds until the quota is full again (delta, as in the IETF RateLimit draft).
    public static let xRateLimitReset = Self("X-RateLimit-Reset")!
    public static let xAPIKey = Self("x-api-key")!
}
