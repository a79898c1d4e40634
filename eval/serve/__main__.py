from eval.serve.bench import main

main()
