// The --recurrent-init argument of `train` and `bench`: how a new model's
// recurrent weights start (uniform or orthogonal; the help lists the values).

import ArgumentParser
import CharLSTM

extension RecurrentInitialisation: ExpressibleByArgument {}
