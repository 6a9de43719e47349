"""事前公开: the lists each bureau publishes before enforcement (plan 二(一)3(1)–(8))."""
