module github.com/socledger/socledger

go 1.26
