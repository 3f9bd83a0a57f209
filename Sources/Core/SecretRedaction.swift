/// Removes token-like strings from text that came from a partner, before it is shown, stored or logged.
///
/// Partners sometimes echo the credential they refused ("Invalid OAuth access token: EAA…"). Every access token,
/// refresh token, API key and client secret in use is a run of at least 24 URL-safe or base64 characters mixing
/// letters and digits; human words, ad account ids (`act_1001`) and numeric ids are not, so they stay readable.
public enum SecretRedaction {
    /// What replaces a redacted run.
    public static let placeholder = "[redacted]"
    /// Shortest run treated as a secret.
    public static let minimumLength = 24

    /// `text` with every token-like run replaced by ``placeholder``.
    public static func redact(_ text: String) -> String {
        var output = ""
        var run = ""
        for character in text {
            if isTokenCharacter(character) {
                run.append(character)
            } else {
                output += verdict(run)
                run = ""
                output.append(character)
            }
        }
        return output + verdict(run)
    }

    private static func verdict(_ run: String) -> String {
        guard run.count >= minimumLength, run.contains(where: \.isLetter), run.contains(where: \.isNumber) else { return run }
        return placeholder
    }

    /// Letters, digits and the punctuation of base64, base64url and JWTs (`/` is left out so paths stay readable).
    private static func isTokenCharacter(_ character: Character) -> Bool {
        guard character.isASCII else { return false }
        return character.isLetter || character.isNumber || "-_.~+=".contains(character)
    }
}
