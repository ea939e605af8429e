package console

import (
	"bytes"
	"encoding/base64"
	"image/png"

	"github.com/pquerna/otp"
)

// qrPNG is key's otpauth URI as a QR code, a base64 PNG ("" if it cannot
// be drawn), for showing the enrolment again after a mistyped code.
func qrPNG(key *otp.Key) string {
	img, err := key.Image(200, 200)
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}
