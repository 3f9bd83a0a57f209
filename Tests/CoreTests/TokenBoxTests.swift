import Core
import Testing

@Suite struct TokenBoxTests {
    let key = [UInt8](repeating: 7, count: 32)

    @Test func roundTripsAndHidesThePlaintext() throws {
        let box = try TokenBox(keyBytes: key)
        let sealed = box.seal("EAAsecret-token", context: "connection:1:facebook")
        #expect(!String(decoding: sealed, as: UTF8.self).contains("EAAsecret"))
        #expect(try box.open(sealed, context: "connection:1:facebook") == "EAAsecret-token")
        // A fresh nonce each time: the same token never seals to the same bytes.
        #expect(box.seal("EAAsecret-token", context: "c") != box.seal("EAAsecret-token", context: "c"))
    }

    @Test func refusesAnotherContextAnotherKeyAndTampering() throws {
        let box = try TokenBox(keyBytes: key)
        var sealed = box.seal("token", context: "connection:1:facebook")
        #expect(throws: TokenBoxError.corrupt) { try box.open(sealed, context: "connection:2:facebook") }
        #expect(throws: TokenBoxError.corrupt) { try TokenBox(keyBytes: [UInt8](repeating: 8, count: 32)).open(sealed, context: "connection:1:facebook") }
        sealed[sealed.count - 1] ^= 1
        #expect(throws: TokenBoxError.corrupt) { try box.open(sealed, context: "connection:1:facebook") }
        #expect(throws: TokenBoxError.badKey) { try TokenBox(keyBytes: [1, 2, 3]) }
    }

    @Test func digestsAndComparisons() {
        #expect(SecureToken.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SecureToken.constantTimeEquals("abc", "abc"))
        #expect(!SecureToken.constantTimeEquals("abc", "abd"))
        #expect(!SecureToken.constantTimeEquals("abc", "abcd"))
    }
}
