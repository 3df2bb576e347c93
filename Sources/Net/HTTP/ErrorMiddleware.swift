public import Hummingbird
public import HTTPTypes
import Logging
import NIOCore
import FoundationEssentials

/// The one middleware in front of auth: gives every request an id (the caller's, or
/// Hummingbird's) and a logger carrying it, refuses a declared body over the limit, turns
/// every thrown error into the JSON error body with the right status, and reports each
/// request's final status and time to response head (`finished`: metrics, request stats).
/// Unknown errors become 500 with the request id; their details go to the log only.
///
/// One frame instead of four: the body limit, the metrics and the stats were middlewares of
/// their own, each an async frame and a context copy on every request (17,000 instructions
/// of a `/healthz`, callgrind).
public struct ErrorMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    /// Told of every request once its response is settled: the route template the router
    /// matched (nil: none did), the status the client gets, and the time to the response head.
    public typealias Finished = @Sendable (_ route: String?, _ status: Int, _ elapsed: Duration) -> Void
    let methods: MethodTable
    let maxBodyBytes: Int
    let finished: Finished?

    public init(methods: MethodTable, maxBodyBytes: Int = 4 << 20, finished: Finished? = nil) {
        self.methods = methods
        self.maxBodyBytes = maxBodyBytes
        self.finished = finished
    }

    @concurrent public func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.maxBodyBytes = maxBodyBytes
        // The caller's own id when it sent a usable one, else a fresh one; in the logger's
        // metadata, so every line logged for this request carries it.
        let requestID = request.headers.value(.xRequestID).flatMap({ Self.acceptableID($0) }) ?? RandomHex.make(16)
        context.logger[metadataKey: "request_id"] = .string(requestID)
        let started = ContinuousClock.now
        var response: Response
        do {
            // A declared Content-Length over the limit: 413 before reading a byte.
            if let length = request.headers.value(.contentLength).flatMap(Int.init), length > maxBodyBytes {
                throw APIError.payloadTooLarge(limit: maxBodyBytes)
            }
            response = try await next(request, context)
        } catch {
            response = try mapped(error, request: request, context: context).response(from: request, context: context)
        }
        response.headers[.xRequestID] = requestID
        let elapsed = ContinuousClock.now - started
        finished?(context.endpointPath, response.status.code, elapsed)
        context.logger.log(level: response.status.code >= 500 ? .warning : .debug, "request", metadata: [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path),
            "status": .stringConvertible(response.status.code),
            "ms": .stringConvertible(Double(elapsed.components.attoseconds / 10_000_000_000_000) / 100 + Double(elapsed.components.seconds * 1000)),
        ])
        return response
    }

    func mapped(_ error: any Error, request: Request, context: Context) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as HTTPError where error.status == .notFound:
            let allowed = methods.allowedMethods(for: request.uri.path)
            if !allowed.isEmpty { return .methodNotAllowed(request.method, path: request.uri.path, allowed: allowed) }
            return .notFound("no route for \(request.method.rawValue) \(request.uri.path)")
        case let error as HTTPError where error.status == .contentTooLarge:
            return .payloadTooLarge(limit: context.maxBodyBytes)
        case is NIOTooManyBytesError:
            // A chunked body has no Content-Length to refuse up front; collecting it past
            // the limit throws this, which is the client's fault, not ours.
            return .payloadTooLarge(limit: context.maxBodyBytes)
        case let error as HTTPError:
            return APIError(error.status, type: error.status.code >= 500 ? "server_error" : "invalid_request_error",
                            code: error.status.reasonPhrase.lowercased().replacing(" ", with: "_"),
                            message: error.body ?? error.status.reasonPhrase, headers: error.headers)
        case is CancellationError:
            return APIError(.init(code: 499, reasonPhrase: "Client Closed Request"), type: "server_error", code: "cancelled", message: "request cancelled")
        default:
            context.logger.error("unhandled error", metadata: ["error": .string(String(describing: error))])
            return .internal("internal error (request id \(context.requestID)); see the server log")
        }
    }

    /// Accept a caller's request id only when it is short and printable, so it cannot inject
    /// into logs or headers.
    static func acceptableID(_ value: String) -> String? {
        guard (1...64).contains(value.utf8.count),
              value.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7a) || $0 == 0x2d || $0 == 0x5f })
        else { return nil }
        return value
    }
}

extension HTTPField.Name {
    public static let xRequestID = Self("X-Request-ID")!
}
