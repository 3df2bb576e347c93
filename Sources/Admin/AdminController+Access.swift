import Auth
import Core
import Gateway
import Hummingbird
import Net
import Storage
import FoundationEssentials

/// What an audited action records besides its outcome; the handler fills it in as it learns
/// the target (often from the body).
struct AuditNote {
    var target: String
    var detail = ""
}

extension AdminController {
    /// No credentials is 401 (log in); credentials without the admin role is 403. The
    /// middleware already enforces this on `/v1/admin`; checking again keeps each handler
    /// safe on its own.
    @discardableResult
    func requireAdmin(_ context: AppRequestContext) async throws -> Principal {
        guard let principal = context.principal, !principal.isGuest else {
            throw APIError.unauthorized("admin API: log in as an admin and send Authorization: Bearer <token>")
        }
        try await auth.policy.require(.admin, for: principal)
        return principal
    }

    /// Runs an admin change and records it in the audit log as `ok` or `failed: <code>`;
    /// refused input is recorded too. Store errors become the JSON error they mean.
    func audited(_ context: AppRequestContext, _ action: String, target: String = "",
                 _ body: (inout AuditNote) async throws -> Response) async throws -> Response {
        let admin = try await requireAdmin(context)
        let actor = admin.email ?? admin.subject
        var note = AuditNote(target: target)
        do {
            let response = try await body(&note)
            try await audit.record(actor: actor, action: action, target: note.target, detail: note.detail, outcome: "ok")
            return response
        } catch {
            let mapped = Self.apiError(error)
            let code = (mapped as? APIError)?.code ?? "internal"
            try await audit.record(actor: actor, action: action, target: note.target, detail: note.detail, outcome: "failed: \(code)")
            throw mapped
        }
    }

    /// Store errors as the HTTP errors they mean; anything else passes through (500).
    static func apiError(_ error: any Error) -> any Error {
        switch error {
        case let error as AuthError: error.apiError
        case let error as ProviderStoreError: APIError.badRequest(error.description, code: "invalid_provider")
        default: error
        }
    }

    /// A JSON response with snake_case keys (the API's convention).
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// An integer query parameter within `range` (default when absent); anything else is 400.
    static func integer(_ request: Request, _ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters[Substring(name)].map(String.init), !text.isEmpty else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.badRequest("query parameter \(name) must be an integer from \(range.lowerBound) to \(range.upperBound)",
                                      code: "invalid_parameter")
        }
        return number
    }

    /// A 64-bit integer query parameter (Unix times), nil when absent; malformed is 400.
    static func int64(_ request: Request, _ name: String) throws -> Int64? {
        guard let text = request.uri.queryParameters[Substring(name)].map(String.init), !text.isEmpty else { return nil }
        guard let number = Int64(text) else {
            throw APIError.badRequest("query parameter \(name) must be an integer", code: "invalid_parameter")
        }
        return number
    }

    static func string(_ request: Request, _ name: String, maxBytes: Int = 256) throws -> String? {
        guard let text = request.uri.queryParameters[Substring(name)].map(String.init), !text.isEmpty else { return nil }
        guard text.utf8.count <= maxBytes else {
            throw APIError.badRequest("query parameter \(name) is limited to \(maxBytes) bytes", code: "invalid_parameter")
        }
        return text
    }
}
