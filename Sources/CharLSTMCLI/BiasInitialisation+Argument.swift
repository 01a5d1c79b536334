// The --bias-init argument of `train` and `bench`: how a new model's recurrent
// layers' biases start (pytorch or uniform; the help lists the values).

import ArgumentParser
import CharLSTM

extension BiasInitialisation: ExpressibleByArgument {}
