public import Hummingbird

/// Enforces the configured body limit: rejects a declared Content-Length over it at once
/// (413 before reading a byte) and hands the limit to handlers that collect bodies.
public struct RequestLimitsMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let maxBodyBytes: Int

    public init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw APIError.payloadTooLarge(limit: maxBodyBytes)
        }
        var context = context
        context.maxBodyBytes = maxBodyBytes
        return try await next(request, context)
    }
}
