// NormalizationForm+Argument: `--normalize nfc|nfkc|none` on the command line.

import ArgumentParser
import CharLSTM

extension NormalizationForm: ExpressibleByArgument {}
