import Core
import Testing
import Auth
import Net
import Storage
import FoundationEssentials
import TestSupport

/// Password hash parameters, user rules, API key lifecycle, tiers and model rules.
@Suite struct AccountTests {
    @Test func passwordHashesUse600kIterationsAndUniqueSalts() async throws {
        let hasher = PasswordHasher()
        let started = ContinuousClock.now
        let first = try await hasher.hash("s3cret password")
        let elapsed = ContinuousClock.now - started
        let second = try await hasher.hash("s3cret password")
        #expect(first.hasPrefix("pbkdf2-sha256$600000$"))
        let a = try #require(PasswordHasher.parse(first))
        let b = try #require(PasswordHasher.parse(second))
        #expect(a.iterations == 600_000 && a.salt.count == 16 && a.hash.count == 32)
        #expect(a.salt != b.salt && a.hash != b.hash)
        #expect(await hasher.verify("s3cret password", against: first))
        #expect(!(await hasher.verify("s3cret passworD", against: first)))
        // A hash made with other parameters still verifies (iterations can be raised later).
        let old = try await PasswordHasher(iterations: 1_000).hash("legacy")
        #expect(await hasher.verify("legacy", against: old))
        #expect(!(await hasher.verify("x", against: "garbage")))
        print("pbkdf2-sha256 600k: \(elapsed)")
    }

    @Test func usersAreNormalizedUniqueAndTombstoned() async throws {
        let (database, services) = try await AuthHarness.open(directory: TemporaryDirectory.make(), configuration: AuthHarness.configuration())
        let user = try await services.users.add(email: "  Frank@Example.com", password: "password1")
        #expect(user.email == "frank@example.com")
        await #expect(throws: AuthError.self) { try await services.users.add(email: "FRANK@example.com", password: "password1") }
        await #expect(throws: AuthError.self) { try await services.users.add(email: "not-an-email", password: "password1") }
        await #expect(throws: AuthError.self) { try await services.users.add(email: "g@example.com", password: "password1", tier: "gold") }
        try await services.users.setTier(email: "frank@example.com", tier: "pro")
        #expect(try await services.users.find(email: "frank@example.com")?.tier == "pro")
        try await services.users.delete(email: "frank@example.com")
        #expect(try await services.users.find(email: "frank@example.com") == nil)
        let row = try await database.read { try $0.queryOne("SELECT deleted, hlc, origin FROM users WHERE id = ?", user.id) }
        #expect(row?.int("deleted") == 1 && row?.string("origin") == "node-test" && (row?.int("hlc") ?? 0) > 0)
        // The email is free again after a delete.
        try await services.users.add(email: "frank@example.com", password: "password2")
        #expect(try await services.ensureFirstAdmin() != nil)
        #expect(try await services.ensureFirstAdmin() == nil)
        await database.close()
    }

    @Test func apiKeyLifecycle() async throws {
        try await AuthHarness.run { h in
            try await h.services.users.add(email: "bot@example.com", password: "password1", tier: "pro")
            let (key, secret) = try await h.services.keys.create(email: "bot@example.com", name: "ci")
            #expect(secret.hasPrefix("tf_") && secret.count > 40)
            let stored = try await h.database.read { try $0.queryOne("SELECT key_hash FROM api_keys WHERE id = ?", key.id)?.string("key_hash") }
            #expect(stored == SHA256.hexHash(Array(secret.utf8)))
            #expect(try await h.services.keys.list().map(\.id) == [key.id])
            let viaHeader = try await h.request("/v1/client/me", method: "GET", headers: ["x-api-key": secret])
            #expect(viaHeader.status == 200 && viaHeader.json?["auth_method"] == "api_key")
            #expect(try await h.request("/v1/chat", token: secret).status == 200)
            try await h.services.users.setDisabled(email: "bot@example.com", true)
            #expect(try await h.request("/v1/chat", token: secret).status == 401)
            try await h.services.users.setDisabled(email: "bot@example.com", false)
            #expect(try await h.request("/v1/chat", token: secret).status == 200)
            try await h.services.keys.revoke(id: key.id)
            #expect(try await h.request("/v1/chat", headers: ["x-api-key": secret]).status == 401)
            #expect(try await h.services.keys.list().first?.revoked == true)
            await #expect(throws: AuthError.self) { try await h.services.keys.revoke(id: "key_missing") }
        }
    }

    @Test func tiersDecideModelsAndFeatures() async throws {
        try await AuthHarness.run { h in
            let ids = ["ollama/llama3.2", "openai/gpt-4o", "openai/gpt-4o-mini", "groq/llama-3.1-8b-instant", "anthropic/claude-3-5-haiku",
                       "anthropic/claude-opus-4", "gemini/gemini-2.0-flash", "gemini/gemini-2.0-flash-lite", "mistral/mistral-small", "mistral/mistral-large"]
            try await h.database.write { connection in
                for id in ids {
                    let provider = String(id.split(separator: "/")[0])
                    try connection.run("INSERT INTO models(id, provider, upstream_id, created_at, last_seen_at) VALUES (?, ?, ?, 0, 0)",
                                       id, provider, String(id.split(separator: "/")[1]))
                }
            }
            let guest = try await h.request("/v1/client/models", method: "GET")
            let guestModels = guest.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(guest.json?["tier"] == "guest")
            #expect(guestModels.count == 5)
            #expect(guestModels.first == "ollama/llama3.2")
            #expect(!guestModels.contains("openai/gpt-4o") && !guestModels.contains("anthropic/claude-opus-4"))
            let pro = try await h.userToken("p@example.com", tier: "pro")
            #expect(try await h.request("/v1/client/models", method: "GET", token: pro).json?["data"]?.arrayValue?.count == ids.count)

            #expect(!ModelsRule.isSmall(ModelDescriptor(id: "gemini/gemini-2.5-pro", provider: "gemini")))
            #expect(ModelsRule.isSmall(ModelDescriptor(id: "ollama/qwen2.5:7b", provider: "ollama")))
            #expect(!ModelsRule.isSmall(ModelDescriptor(id: "together/llama-3.1-70b", provider: "together")))
            let policy = h.services.policy
            let guestPrincipal = Principal.guest(address: "10.1.1.1")
            #expect(await policy.mayUse(ModelDescriptor(id: "ollama/llama3.2", provider: "ollama", isLocal: true), principal: guestPrincipal))
            #expect(!(await policy.mayUse(ModelDescriptor(id: "openai/gpt-4o", provider: "openai"), principal: guestPrincipal)))
            await #expect(throws: APIError.self) { try await policy.requireModel(ModelDescriptor(id: "openai/gpt-4o", provider: "openai"), for: guestPrincipal) }
            let proPrincipal = Principal(subject: "u", tier: "pro", method: .token)
            #expect(await policy.mayUse(ModelDescriptor(id: "openai/gpt-4o", provider: "openai"), principal: proPrincipal))
            try await policy.require(.memory, for: proPrincipal)
            await #expect(throws: APIError.self) { try await policy.require(.mesh, for: proPrincipal) }
            // shell needs the admin role even on the unlimited tier.
            let unlimitedUser = Principal(subject: "u", tier: "unlimited", method: .token)
            await #expect(throws: APIError.self) { try await policy.require(.shell, for: unlimitedUser) }
            try await policy.require(.shell, for: Principal(subject: "u", tier: "unlimited", isAdmin: true, method: .token))
            try await policy.require(.mesh, for: unlimitedUser)

            // An admin edit applies to the next check.
            var proTier = try #require(try await h.services.tiers.get("pro"))
            proTier.features.insert(.mesh)
            try await h.services.tiers.set(proTier)
            try await policy.require(.mesh, for: proPrincipal)
        }
    }
}
