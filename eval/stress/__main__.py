from eval.stress.bench import main

main()
