public import Hummingbird
public import HTTPTypes
import Logging
import NIOCore
import FoundationEssentials

/// Outermost middleware: gives every request an id (the caller's, or Hummingbird's) and a
/// logger carrying it, logs the outcome, and turns every thrown error into the JSON error
/// body with the right status.
/// Unknown errors become 500 with the request id; their details go to the log only.
public struct ErrorMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let methods: MethodTable

    public init(methods: MethodTable) { self.methods = methods }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        // Hummingbird already gave this request an id in its logger's metadata
        // (`hb.request.id`, on every log line); a caller's own id is added beside it. Setting
        // a second, new one on every request copied the logger's storage each time.
        let requestID: String
        if let callers = request.headers[.xRequestID].flatMap({ Self.acceptableID($0) }) {
            context.logger[metadataKey: "request_id"] = .string(callers)
            requestID = callers
        } else {
            requestID = context.hummingbirdRequestID ?? RandomHex.make(16)
        }
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try mapped(error, request: request, context: context).response(from: request, context: context)
        }
        response.headers[.xRequestID] = requestID
        let elapsed = ContinuousClock.now - started
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
