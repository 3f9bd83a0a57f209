import Core
import Crypto
import Testing

@Suite struct TokenBoxTests {
    let key = [UInt8](repeating: 7, count: 32)
    let oldKey = [UInt8](repeating: 8, count: 32)

    @Test func roundTripsAndHidesThePlaintext() throws {
        let box = try TokenBox(keyBytes: key)
        let sealed = box.seal("EAAsecret-token", context: "connection:1:facebook")
        #expect(!String(decoding: sealed, as: UTF8.self).contains("EAAsecret"))
        #expect(sealed.first == 2)
        #expect(try box.open(sealed, context: "connection:1:facebook") == "EAAsecret-token")
        // A fresh nonce each time: the same token never seals to the same bytes.
        #expect(box.seal("EAAsecret-token", context: "c") != box.seal("EAAsecret-token", context: "c"))
    }

    @Test func refusesAnotherContextAnotherKeyAndTampering() throws {
        let box = try TokenBox(keyBytes: key)
        var sealed = box.seal("token", context: "connection:1:facebook")
        #expect(throws: TokenBoxError.corrupt) { try box.open(sealed, context: "connection:2:facebook") }
        #expect(throws: TokenBoxError.unknownKey(box.currentKeyID)) {
            try TokenBox(keyBytes: oldKey).open(sealed, context: "connection:1:facebook")
        }
        sealed[sealed.count - 1] ^= 1
        #expect(throws: TokenBoxError.corrupt) { try box.open(sealed, context: "connection:1:facebook") }
        #expect(throws: TokenBoxError.badKey) { try TokenBox(keyBytes: [1, 2, 3]) }
        #expect(throws: TokenBoxError.badKey) { try TokenBox(keyBytes: key, oldKeys: [[1, 2, 3]]) }
    }

    /// No silent garbage (O-9): whichever byte changes — version, key id, nonce, ciphertext or tag — the value fails.
    @Test func aFlippedByteAnywhereFails() throws {
        let box = try TokenBox(keyBytes: key, oldKeys: [oldKey])
        for sealed in [box.seal("a-token", context: "c"), Self.legacySeal("a-token", key: key, context: "c")] {
            for index in sealed.indices {
                var damaged = sealed
                damaged[index] ^= 0x01
                #expect(throws: TokenBoxError.self, "byte \(index) of \(sealed.count)") { try box.open(damaged, context: "c") }
            }
            #expect(throws: TokenBoxError.corrupt) { try box.open(Array(sealed.dropLast()), context: "c") }
        }
        #expect(throws: TokenBoxError.corrupt) { try box.open([], context: "c") }
    }

    @Test func opensTheFirstFormatUnderTheCurrentOrAnOldKey() throws {
        let legacyUnderCurrent = Self.legacySeal("first", key: key, context: "c")
        let legacyUnderOld = Self.legacySeal("second", key: oldKey, context: "c")
        let box = try TokenBox(keyBytes: key, oldKeys: [oldKey])
        #expect(try box.open(legacyUnderCurrent, context: "c") == "first")
        #expect(try box.open(legacyUnderOld, context: "c") == "second")
        #expect(throws: TokenBoxError.corrupt) { try TokenBox(keyBytes: key).open(legacyUnderOld, context: "c") }
        #expect(throws: TokenBoxError.corrupt) { try box.open(legacyUnderOld, context: "d") }
        // The first format names no key.
        #expect(TokenBox.keyID(of: legacyUnderCurrent) == nil)
        // Re-sealing moves it to the current format and key.
        let resealed = try box.reseal(legacyUnderOld, context: "c")
        #expect(TokenBox.keyID(of: resealed) == box.currentKeyID)
        #expect(try TokenBox(keyBytes: key).open(resealed, context: "c") == "second")
    }

    @Test func aValueSealedUnderAnOldKeyOpensOnlyWhileThatKeyIsGiven() throws {
        let retired = try TokenBox(keyBytes: oldKey)
        let sealed = retired.seal("old-token", context: "c")
        let rotated = try TokenBox(keyBytes: key, oldKeys: [oldKey])
        #expect(try rotated.open(sealed, context: "c") == "old-token")
        #expect(rotated.oldKeyIDs == [retired.currentKeyID])
        #expect(throws: TokenBoxError.unknownKey(retired.currentKeyID)) { try TokenBox(keyBytes: key).open(sealed, context: "c") }
        // New values always go under the current key.
        #expect(TokenBox.keyID(of: rotated.seal("new", context: "c")) == rotated.currentKeyID)
    }

    @Test func reportsTheKeyIDWithoutOpening() throws {
        let box = try TokenBox(keyBytes: key)
        let sealed = box.seal("token", context: "c")
        let expected = Array(SHA256.hash(data: key).prefix(4))
        #expect(box.currentKeyID.bytes == expected)
        #expect(Array(sealed[1..<5]) == expected)
        #expect(TokenBox.keyID(of: sealed) == box.currentKeyID)
        #expect(box.currentKeyID.description.count == 8)
        #expect(TokenBox.keyID(of: [2, 1, 2]) == nil)
        // Listing the current key as old too changes nothing.
        #expect(try TokenBox(keyBytes: key, oldKeys: [key]).oldKeyIDs.isEmpty)
    }

    @Test func theDerivedSecretFollowsTheCurrentKey() throws {
        let secret = try TokenBox(keyBytes: key).derivedSecret(purpose: "pkce", input: "state")
        #expect(secret.count == 43)
        #expect(try TokenBox(keyBytes: key, oldKeys: [oldKey]).derivedSecret(purpose: "pkce", input: "state") == secret)
        #expect(try TokenBox(keyBytes: oldKey, oldKeys: [key]).derivedSecret(purpose: "pkce", input: "state") != secret)
    }

    @Test func digestsAndComparisons() {
        #expect(SecureToken.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SecureToken.constantTimeEquals("abc", "abc"))
        #expect(!SecureToken.constantTimeEquals("abc", "abd"))
        #expect(!SecureToken.constantTimeEquals("abc", "abcd"))
    }

    /// A value in the first format (`0x01 ‖ nonce ‖ ciphertext ‖ tag`), as the app stored before key ids.
    static func legacySeal(_ plaintext: String, key: [UInt8], context: String) -> [UInt8] {
        let box = try! AES.GCM.seal(Array(plaintext.utf8), using: SymmetricKey(data: key), authenticating: Array(context.utf8))
        return [1] + Array(box.combined!)
    }
}
