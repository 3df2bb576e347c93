import Auth
import Hummingbird
import Net
import FoundationEssentials

extension AdminController {
    /// API keys: list (never the secret), create (the secret is in this one response only),
    /// revoke.
    func registerKeys(on api: some RouterMethods<AppRequestContext>) {
        api.get("/keys") { request, context in
            try await requireAdmin(context)
            let email = try Self.string(request, "email", maxBytes: Self.maxEmailBytes)
            do {
                return try Self.json(["keys": try await auth.keys.list(email: email)])
            } catch let error as AuthError {
                throw error.apiError
            }
        }
        api.post("/keys") { request, context in
            try await audited(context, "admin.key.create") { note in
                let body = try await request.decodeJSON(as: NewKey.self, context: context)
                let user = try await user(body.userID)
                note.target = user.email
                let name = body.name ?? ""
                guard name.utf8.count <= 100, name.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7f }) else {
                    throw APIError.badRequest("key name is limited to 100 printable bytes", code: "invalid_key")
                }
                note.detail = name
                let (key, secret) = try await auth.keys.create(email: user.email, name: name)
                return try Self.json(CreatedKey(key: key, secret: secret), status: .created)
            }
        }
        api.delete("/keys/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            return try await audited(context, "admin.key.revoke", target: String(id.prefix(64))) { _ in
                try await auth.keys.revoke(id: id)
                return try Self.json(["revoked": id])
            }
        }
    }

    struct NewKey: Decodable {
        let userID: String
        let name: String?

        enum CodingKeys: String, CodingKey {
            case userID = "user_id"
            case name
        }
    }

    struct CreatedKey: Encodable {
        let key: APIKeyStore.Key
        /// The whole key: this response is the only place it ever appears.
        let secret: String
    }
}
