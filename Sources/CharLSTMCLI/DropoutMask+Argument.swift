// The --dropout-mask argument of `train` and `bench`: whether dropout draws a fresh
// mask at every time step or one per window (step or window; the help lists the values).

import ArgumentParser
import CharLSTM

extension DropoutMask: ExpressibleByArgument {}
