import Testing
import Core
import MCP

/// The session table under pressure: guests cannot push signed-in callers out.
@Suite struct SessionStoreTests {
    @Test func guestsFromManyNetworksCannotEvictSignedInSessions() async throws {
        let store = SessionStore(maxSessions: 10, maxPerOwner: 4)
        var users: [SessionStore.Session] = []
        for i in 0..<5 { users.append(try #require(await store.create(subject: "user-\(i)", isGuest: false, protocolVersion: "2025-06-18"))) }
        // A thousand guests from a thousand networks.
        for i in 0..<1_000 {
            let guest = Principal.guest(address: "2001:db8:\(String(i, radix: 16))::1")
            _ = await store.create(subject: guest.subject, isGuest: true, protocolVersion: "2025-06-18")
        }
        for user in users { #expect(await store.lookup(user.id, subject: user.subject) != nil) }
        #expect(await store.count == 10)
        // Signed-in callers fill the rest, evicting guests; then a guest gets nothing, and
        // a new signed-in caller evicts the least recently used signed-in session.
        for i in 5..<10 { #expect(await store.create(subject: "user-\(i)", isGuest: false, protocolVersion: "2025-06-18") != nil) }
        #expect(await store.create(subject: "guest:192.0.2.1", isGuest: true, protocolVersion: "2025-06-18") == nil)
        for user in users.dropFirst() { _ = await store.lookup(user.id, subject: user.subject) }
        #expect(await store.create(subject: "user-10", isGuest: false, protocolVersion: "2025-06-18") != nil)
        #expect(await store.lookup(users[0].id, subject: users[0].subject) == nil)
        for user in users.dropFirst() { #expect(await store.lookup(user.id, subject: user.subject) != nil) }
    }

    @Test func oneOwnerReplacesItsOwnOldestSessionPastItsCap() async throws {
        let store = SessionStore(maxSessions: 100, maxPerOwner: 3)
        var own: [SessionStore.Session] = []
        for _ in 0..<5 { own.append(try #require(await store.create(subject: "user-1", isGuest: false, protocolVersion: "2025-06-18"))) }
        let other = try #require(await store.create(subject: "user-2", isGuest: false, protocolVersion: "2025-06-18"))
        #expect(await store.count == 4)
        #expect(await store.lookup(own[0].id, subject: "user-1") == nil)
        #expect(await store.lookup(own[1].id, subject: "user-1") == nil)
        for session in own[2...] { #expect(await store.lookup(session.id, subject: "user-1") != nil) }
        #expect(await store.lookup(other.id, subject: "user-2") != nil)
    }

    @Test func guestAddressesOfOneSlash64ShareOneCap() async throws {
        let store = SessionStore(maxSessions: 100, maxPerOwner: 2)
        for i in 1...50 {
            let guest = Principal.guest(address: "2001:db8:7:7::\(String(i, radix: 16))")
            _ = await store.create(subject: guest.subject, isGuest: true, protocolVersion: "2025-06-18")
        }
        #expect(await store.count == 2)
    }
}
